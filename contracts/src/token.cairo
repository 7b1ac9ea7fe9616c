//! CIRO ERC-20 token. Plain ERC-20 plus role-gated minting; no fee-on-transfer or hooks, so the
//! pool and job manager can rely on exact transfer amounts.

use starknet::ContractAddress;

mod ledger;

#[starknet::interface]
pub trait IERC20<TState> {
    fn name(self: @TState) -> ByteArray;
    fn symbol(self: @TState) -> ByteArray;
    fn decimals(self: @TState) -> u8;
    fn total_supply(self: @TState) -> u256;
    fn balance_of(self: @TState, account: ContractAddress) -> u256;
    fn allowance(self: @TState, owner: ContractAddress, spender: ContractAddress) -> u256;
    fn transfer(ref self: TState, recipient: ContractAddress, amount: u256) -> bool;
    fn transfer_from(
        ref self: TState, sender: ContractAddress, recipient: ContractAddress, amount: u256,
    ) -> bool;
    fn approve(ref self: TState, spender: ContractAddress, amount: u256) -> bool;
}

/// camelCase aliases still expected by older wallets and tooling.
#[starknet::interface]
pub trait IERC20Camel<TState> {
    fn totalSupply(self: @TState) -> u256;
    fn balanceOf(self: @TState, account: ContractAddress) -> u256;
    fn transferFrom(
        ref self: TState, sender: ContractAddress, recipient: ContractAddress, amount: u256,
    ) -> bool;
}

#[starknet::interface]
pub trait IMintable<TState> {
    fn mint(ref self: TState, recipient: ContractAddress, amount: u256);
}

// SRC-5 ids of the three traits above (SNIP-5: XOR of the starknet_keccak of each function's
// extended signature, e.g. `balance_of(ContractAddress)->(u128,u128)`). Not hand-computed:
// test/contracts/src5.test.ts derives them from the compiled ABI and checks these values.
pub const IERC20_ID: felt252 = 0x23e160b77b12dd51c566c61e23b01d8ed8f42c45d703a9feb1785358e3e168f;
pub const IERC20_CAMEL_ID: felt252 =
    0x3e59c6f79fea85d43f1fda0666281e08a39d01ee1f2e09b64a752e1433c148e;
pub const IMINTABLE_ID: felt252 = 0x345da0af813f963c74a017d4fa7ab45abe6eef7cc4ee93e7474d6015fd59434;

pub mod Errors {
    pub const INSUFFICIENT_BALANCE: felt252 = 'ERC20: insufficient balance';
    pub const INSUFFICIENT_ALLOWANCE: felt252 = 'ERC20: insufficient allowance';
    pub const TRANSFER_TO_ZERO: felt252 = 'ERC20: transfer to zero';
    pub const APPROVE_TO_ZERO: felt252 = 'ERC20: approve to zero';
}

#[starknet::contract]
pub mod CiroToken {
    use starknet::storage::{
        Map, StorageMapReadAccess, StoragePointerReadAccess, StoragePointerWriteAccess,
    };
    use starknet::{ContractAddress, get_caller_address};
    use crate::access::{
        AccessControlComponent, DEFAULT_ADMIN_ROLE, IACCESS_CONTROL_ID, MINTER_ROLE,
    };
    use crate::src5::{SRC5Component, SRC5Interfaces};
    use crate::upgrade::{IUPGRADEABLE_ID, UpgradeAuthority, UpgradeableComponent};
    use super::ledger::LedgerTrait;
    use super::{IERC20, IERC20Camel, IERC20_CAMEL_ID, IERC20_ID, IMINTABLE_ID, IMintable};

    component!(path: AccessControlComponent, storage: access, event: AccessEvent);
    component!(path: SRC5Component, storage: src5, event: SRC5Event);
    component!(path: UpgradeableComponent, storage: upgradeable, event: UpgradeableEvent);

    #[abi(embed_v0)]
    impl AccessControlImpl =
        AccessControlComponent::AccessControlImpl<ContractState>;
    #[abi(embed_v0)]
    impl SRC5Impl = SRC5Component::SRC5Impl<ContractState>;
    #[abi(embed_v0)]
    impl UpgradeableImpl = UpgradeableComponent::UpgradeableImpl<ContractState>;
    impl AccessInternal = AccessControlComponent::InternalImpl<ContractState>;
    impl Interfaces of SRC5Interfaces<ContractState> {
        fn interface_ids() -> Span<felt252> {
            [IACCESS_CONTROL_ID, IUPGRADEABLE_ID, IERC20_ID, IERC20_CAMEL_ID, IMINTABLE_ID].span()
        }
    }

    // pub(crate) only so token/ledger.cairo can reach the fields; visibility is not part of the
    // ABI or of the storage layout.
    #[storage]
    struct Storage {
        name: ByteArray,
        symbol: ByteArray,
        decimals: u8,
        pub(crate) total_supply: u256,
        pub(crate) balances: Map<ContractAddress, u256>,
        pub(crate) allowances: Map<(ContractAddress, ContractAddress), u256>,
        #[substorage(v0)]
        access: AccessControlComponent::Storage,
        #[substorage(v0)]
        src5: SRC5Component::Storage,
        #[substorage(v0)]
        upgradeable: UpgradeableComponent::Storage,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    pub enum Event {
        Transfer: Transfer,
        Approval: Approval,
        #[flat]
        AccessEvent: AccessControlComponent::Event,
        #[flat]
        SRC5Event: SRC5Component::Event,
        #[flat]
        UpgradeableEvent: UpgradeableComponent::Event,
    }

    #[derive(Drop, starknet::Event)]
    pub struct Transfer {
        #[key]
        pub from: ContractAddress,
        #[key]
        pub to: ContractAddress,
        pub value: u256,
    }

    #[derive(Drop, starknet::Event)]
    pub struct Approval {
        #[key]
        pub owner: ContractAddress,
        #[key]
        pub spender: ContractAddress,
        pub value: u256,
    }

    #[constructor]
    fn constructor(
        ref self: ContractState,
        name: ByteArray,
        symbol: ByteArray,
        decimals: u8,
        initial_supply: u256,
        recipient: ContractAddress,
        admin: ContractAddress,
    ) {
        self.name.write(name);
        self.symbol.write(symbol);
        self.decimals.write(decimals);
        self.access._grant_role(DEFAULT_ADMIN_ROLE, admin);
        self.access._grant_role(MINTER_ROLE, admin);
        if initial_supply > 0 {
            self._mint(recipient, initial_supply);
        }
    }

    #[abi(embed_v0)]
    impl ERC20Impl of IERC20<ContractState> {
        fn name(self: @ContractState) -> ByteArray {
            self.name.read()
        }
        fn symbol(self: @ContractState) -> ByteArray {
            self.symbol.read()
        }
        fn decimals(self: @ContractState) -> u8 {
            self.decimals.read()
        }
        fn total_supply(self: @ContractState) -> u256 {
            self.total_supply.read()
        }
        fn balance_of(self: @ContractState, account: ContractAddress) -> u256 {
            self.balances.read(account)
        }
        fn allowance(
            self: @ContractState, owner: ContractAddress, spender: ContractAddress,
        ) -> u256 {
            self.allowances.read((owner, spender))
        }

        fn transfer(ref self: ContractState, recipient: ContractAddress, amount: u256) -> bool {
            self._transfer(get_caller_address(), recipient, amount);
            true
        }

        fn transfer_from(
            ref self: ContractState,
            sender: ContractAddress,
            recipient: ContractAddress,
            amount: u256,
        ) -> bool {
            self._spend_allowance(sender, get_caller_address(), amount);
            self._transfer(sender, recipient, amount);
            true
        }

        fn approve(ref self: ContractState, spender: ContractAddress, amount: u256) -> bool {
            self._approve(get_caller_address(), spender, amount);
            true
        }
    }

    #[abi(embed_v0)]
    impl ERC20CamelImpl of IERC20Camel<ContractState> {
        fn totalSupply(self: @ContractState) -> u256 {
            self.total_supply.read()
        }
        fn balanceOf(self: @ContractState, account: ContractAddress) -> u256 {
            self.balances.read(account)
        }
        fn transferFrom(
            ref self: ContractState,
            sender: ContractAddress,
            recipient: ContractAddress,
            amount: u256,
        ) -> bool {
            ERC20Impl::transfer_from(ref self, sender, recipient, amount)
        }
    }

    #[abi(embed_v0)]
    impl MintableImpl of IMintable<ContractState> {
        fn mint(ref self: ContractState, recipient: ContractAddress, amount: u256) {
            self.access.assert_only_role(MINTER_ROLE);
            self._mint(recipient, amount);
        }
    }

    impl UpgradeGate of UpgradeAuthority<ContractState> {
        fn assert_can_upgrade(self: @ContractState) {
            self.access.assert_only_role(DEFAULT_ADMIN_ROLE);
        }
    }
}
