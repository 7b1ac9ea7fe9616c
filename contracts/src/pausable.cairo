//! Emergency stop. Each contract decides which entry points honour it and reverts with its own
//! prefixed message ('CDC: paused', 'JOB: paused', 'PM: paused'), so this component only keeps
//! the flag and the PAUSER_ROLE-gated switch.

#[starknet::interface]
pub trait IPausable<TState> {
    fn pause(ref self: TState);
    fn unpause(ref self: TState);
    fn is_paused(self: @TState) -> bool;
}

pub mod Errors {
    pub const ALREADY_PAUSED: felt252 = 'PAUSE: already paused';
    pub const NOT_PAUSED: felt252 = 'PAUSE: not paused';
}

#[starknet::component]
pub mod PausableComponent {
    use starknet::storage::{StoragePointerReadAccess, StoragePointerWriteAccess};
    use starknet::{ContractAddress, get_caller_address};
    use crate::access::AccessControlComponent;
    use crate::access::AccessControlComponent::InternalTrait as AccessInternal;
    use crate::access::PAUSER_ROLE;
    use super::{Errors, IPausable};

    #[storage]
    pub struct Storage {
        Pausable_paused: bool,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    pub enum Event {
        Paused: Paused,
        Unpaused: Unpaused,
    }

    #[derive(Drop, starknet::Event)]
    pub struct Paused {
        pub account: ContractAddress,
    }

    #[derive(Drop, starknet::Event)]
    pub struct Unpaused {
        pub account: ContractAddress,
    }

    #[embeddable_as(PausableImpl)]
    impl Pausable<
        TContractState,
        +HasComponent<TContractState>,
        impl Access: AccessControlComponent::HasComponent<TContractState>,
        +Drop<TContractState>,
    > of IPausable<ComponentState<TContractState>> {
        fn pause(ref self: ComponentState<TContractState>) {
            get_dep_component!(@self, Access).assert_only_role(PAUSER_ROLE);
            assert(!self.Pausable_paused.read(), Errors::ALREADY_PAUSED);
            self.Pausable_paused.write(true);
            self.emit(Paused { account: get_caller_address() });
        }

        fn unpause(ref self: ComponentState<TContractState>) {
            get_dep_component!(@self, Access).assert_only_role(PAUSER_ROLE);
            assert(self.Pausable_paused.read(), Errors::NOT_PAUSED);
            self.Pausable_paused.write(false);
            self.emit(Unpaused { account: get_caller_address() });
        }

        fn is_paused(self: @ComponentState<TContractState>) -> bool {
            self.Pausable_paused.read()
        }
    }

    #[generate_trait]
    pub impl InternalImpl<
        TContractState, +HasComponent<TContractState>,
    > of InternalTrait<TContractState> {
        fn assert_not_paused(self: @ComponentState<TContractState>, error: felt252) {
            assert(!self.Pausable_paused.read(), error);
        }
    }
}
