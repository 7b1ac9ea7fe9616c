//! A contract that reverts with whatever reason its caller chooses, for the attack tests: any
//! user can make a simulation fail with any short string (up to 31 characters) through a call
//! like this one, so the relay must never read meaning into a revert's text
//! (test/security/revert-reason.test.ts). Deployed only by that test.

#[starknet::interface]
pub trait IMockReverter<TState> {
    fn fail(ref self: TState, reason: felt252);
}

#[starknet::contract]
pub mod MockReverter {
    #[storage]
    struct Storage {}

    #[abi(embed_v0)]
    impl MockReverterImpl of super::IMockReverter<ContractState> {
        fn fail(ref self: ContractState, reason: felt252) {
            core::panic_with_felt252(reason);
        }
    }
}
