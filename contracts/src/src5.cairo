//! SRC-5 interface introspection (SNIP-5).
//!
//! An interface id is the XOR of the starknet_keccak of each function's extended signature,
//! `name(param_types)->return_type`, with structs written as tuples and enums as `E(...)` (so
//! `bool` is `E((),())` and `u256` is `(u128,u128)`). Each `I..._ID` constant in this crate sits
//! next to its trait; test/contracts/src5.test.ts recomputes every one from the compiled ABI.

pub const ISRC5_ID: felt252 = 0x3f918d17e5ee77373b56385708f855659a07f75997f365cf87748628532a055;

#[starknet::interface]
pub trait ISRC5<TState> {
    fn supports_interface(self: @TState, interface_id: felt252) -> bool;
}

#[starknet::component]
pub mod SRC5Component {
    use starknet::storage::{Map, StorageMapReadAccess, StorageMapWriteAccess};
    use super::{ISRC5, ISRC5_ID};

    #[storage]
    pub struct Storage {
        SRC5_supported: Map<felt252, bool>,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    pub enum Event {}

    #[embeddable_as(SRC5Impl)]
    impl SRC5<
        TContractState, +HasComponent<TContractState>,
    > of ISRC5<ComponentState<TContractState>> {
        fn supports_interface(
            self: @ComponentState<TContractState>, interface_id: felt252,
        ) -> bool {
            // SRC5 itself is always supported, so no constructor has to remember to register it.
            interface_id == ISRC5_ID || self.SRC5_supported.read(interface_id)
        }
    }

    /// Each contract's constructor registers the ids of the interfaces it embeds; the components
    /// do not register themselves, so one list per contract shows everything it announces.
    #[generate_trait]
    pub impl InternalImpl<
        TContractState, +HasComponent<TContractState>,
    > of InternalTrait<TContractState> {
        fn register_interface(ref self: ComponentState<TContractState>, interface_id: felt252) {
            self.SRC5_supported.write(interface_id, true);
        }

        fn register_interfaces(ref self: ComponentState<TContractState>, ids: Span<felt252>) {
            for id in ids {
                self.register_interface(*id);
            }
        }
    }
}
