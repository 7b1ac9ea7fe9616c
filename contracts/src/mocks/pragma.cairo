//! A price oracle with Pragma's consumer ABI (`IPragmaABI.get_data_median`), for chains without
//! Pragma (the local stack). The relay reads gas-token prices through the same ABI on every
//! network, so `DataType` and `PragmaPricesResponse` must serialize exactly like Pragma's: enum
//! variant index then payload, `Option` as 0 = Some / 1 = None then payload.
//!
//! Only spot prices are kept, set by the owner with `set_price`. A pair never set, and every
//! FutureEntry / GenericEntry, reads as all zero (price 0 from 0 sources at time 0), which a
//! consumer has to refuse anyway, as it must a stale or zero price from the real oracle.

use starknet::ContractAddress;

/// Pragma's `DataType`; variant order is the wire format.
#[derive(Drop, Copy, Serde, PartialEq, Debug)]
pub enum DataType {
    SpotEntry: felt252,
    FutureEntry: (felt252, u64),
    GenericEntry: felt252,
}

/// Pragma's `PragmaPricesResponse`; field order is the wire format.
#[derive(Drop, Copy, Serde, PartialEq, Debug)]
pub struct PragmaPricesResponse {
    pub price: u128,
    pub decimals: u32,
    pub last_updated_timestamp: u64,
    pub num_sources_aggregated: u32,
    pub expiration_timestamp: Option<u64>,
}

#[starknet::interface]
pub trait IPragmaABI<TState> {
    fn get_data_median(self: @TState, data_type: DataType) -> PragmaPricesResponse;
}

#[starknet::interface]
pub trait IMockPragmaAdmin<TState> {
    /// `price` is scaled by 10^`decimals`; `timestamp` is reported as `last_updated_timestamp`,
    /// so tests can publish stale prices as well as fresh ones.
    fn set_price(ref self: TState, pair_id: felt252, price: u128, decimals: u32, timestamp: u64);
    fn owner(self: @TState) -> ContractAddress;
}

pub mod Errors {
    pub const NOT_OWNER: felt252 = 'ORACLE: not owner';
    pub const ZERO_OWNER: felt252 = 'ORACLE: zero owner';
}

#[starknet::contract]
pub mod MockPragma {
    use core::num::traits::Zero;
    use starknet::storage::{
        Map, StorageMapReadAccess, StorageMapWriteAccess, StoragePointerReadAccess,
        StoragePointerWriteAccess,
    };
    use starknet::{ContractAddress, get_caller_address};
    use super::{DataType, Errors, IMockPragmaAdmin, IPragmaABI, PragmaPricesResponse};

    #[derive(Drop, Copy, starknet::Store)]
    struct SpotPrice {
        price: u128,
        decimals: u32,
        timestamp: u64,
        // 1 once set: the one "source" is the owner.
        sources: u32,
    }

    #[storage]
    struct Storage {
        owner: ContractAddress,
        spot: Map<felt252, SpotPrice>,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    pub enum Event {
        PriceSet: PriceSet,
    }

    #[derive(Drop, starknet::Event)]
    pub struct PriceSet {
        #[key]
        pub pair_id: felt252,
        pub price: u128,
        pub decimals: u32,
        pub timestamp: u64,
    }

    #[constructor]
    fn constructor(ref self: ContractState, owner: ContractAddress) {
        assert(owner.is_non_zero(), Errors::ZERO_OWNER);
        self.owner.write(owner);
    }

    #[abi(embed_v0)]
    impl PragmaImpl of IPragmaABI<ContractState> {
        fn get_data_median(self: @ContractState, data_type: DataType) -> PragmaPricesResponse {
            let spot = match data_type {
                DataType::SpotEntry(pair_id) => self.spot.read(pair_id),
                _ => SpotPrice { price: 0, decimals: 0, timestamp: 0, sources: 0 },
            };
            PragmaPricesResponse {
                price: spot.price,
                decimals: spot.decimals,
                last_updated_timestamp: spot.timestamp,
                num_sources_aggregated: spot.sources,
                expiration_timestamp: None,
            }
        }
    }

    #[abi(embed_v0)]
    impl AdminImpl of IMockPragmaAdmin<ContractState> {
        fn set_price(
            ref self: ContractState, pair_id: felt252, price: u128, decimals: u32, timestamp: u64,
        ) {
            assert(get_caller_address() == self.owner.read(), Errors::NOT_OWNER);
            self.spot.write(pair_id, SpotPrice { price, decimals, timestamp, sources: 1 });
            self.emit(PriceSet { pair_id, price, decimals, timestamp });
        }

        fn owner(self: @ContractState) -> ContractAddress {
            self.owner.read()
        }
    }
}
