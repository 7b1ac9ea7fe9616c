//! SRC-5 interface introspection (SNIP-5).
//!
//! An interface id is the XOR of the starknet_keccak of each function's extended signature,
//! `name(param_types)->return_type`, with structs written as tuples and enums as `E(...)` (so
//! `bool` is `E((),())` and `u256` is `(u128,u128)`). Each `I..._ID` constant in this crate sits
//! next to its trait; test/contracts/src5.test.ts recomputes every one from the compiled ABI.
//!
//! Which interfaces a contract supports is a fact about its code, so the list lives in the code
//! (`SRC5Interfaces`), not in storage a constructor writes: a constructor runs once, and a class
//! swapped in by an upgrade would go on announcing the old class's interfaces, never its own new
//! ones (or, worse, still announcing ones it dropped).

pub const ISRC5_ID: felt252 = 0x3f918d17e5ee77373b56385708f855659a07f75997f365cf87748628532a055;

#[starknet::interface]
pub trait ISRC5<TState> {
    fn supports_interface(self: @TState, interface_id: felt252) -> bool;
}

/// The ids of the interfaces a contract's code embeds, each contract's own list; SRC5 itself
/// is always supported and need not be in it.
pub trait SRC5Interfaces<TContractState> {
    fn interface_ids() -> Span<felt252>;
}

#[starknet::component]
pub mod SRC5Component {
    use super::{ISRC5, ISRC5_ID, SRC5Interfaces};

    #[storage]
    pub struct Storage {}

    #[event]
    #[derive(Drop, starknet::Event)]
    pub enum Event {}

    #[embeddable_as(SRC5Impl)]
    impl SRC5<
        TContractState, +HasComponent<TContractState>, impl Ids: SRC5Interfaces<TContractState>,
    > of ISRC5<ComponentState<TContractState>> {
        fn supports_interface(
            self: @ComponentState<TContractState>, interface_id: felt252,
        ) -> bool {
            if interface_id == ISRC5_ID {
                return true;
            }
            for id in Ids::interface_ids() {
                if *id == interface_id {
                    return true;
                }
            }
            false
        }
    }
}
