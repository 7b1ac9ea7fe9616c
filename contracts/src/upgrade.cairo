//! In-place upgrades via replace_class. Whoever holds DEFAULT_ADMIN_ROLE can swap the code behind
//! the address (and thereby take every asset the contract controls), so that role must sit behind
//! a multisig / timelock in production.

use starknet::ClassHash;

#[starknet::interface]
pub trait IUpgradeable<TState> {
    fn upgrade(ref self: TState, new_class_hash: ClassHash);
}

pub mod Errors {
    pub const CLASS_HASH_ZERO: felt252 = 'UPG: class hash zero';
}

#[starknet::component]
pub mod UpgradeableComponent {
    use core::num::traits::Zero;
    use starknet::syscalls::replace_class_syscall;
    use starknet::{ClassHash, SyscallResultTrait};
    use crate::access::AccessControlComponent;
    use crate::access::AccessControlComponent::InternalTrait as AccessInternal;
    use crate::access::DEFAULT_ADMIN_ROLE;
    use super::{Errors, IUpgradeable};

    #[storage]
    pub struct Storage {}

    #[event]
    #[derive(Drop, starknet::Event)]
    pub enum Event {
        Upgraded: Upgraded,
    }

    #[derive(Drop, starknet::Event)]
    pub struct Upgraded {
        pub class_hash: ClassHash,
    }

    #[embeddable_as(UpgradeableImpl)]
    impl Upgradeable<
        TContractState,
        +HasComponent<TContractState>,
        impl Access: AccessControlComponent::HasComponent<TContractState>,
        +Drop<TContractState>,
    > of IUpgradeable<ComponentState<TContractState>> {
        fn upgrade(ref self: ComponentState<TContractState>, new_class_hash: ClassHash) {
            get_dep_component!(@self, Access).assert_only_role(DEFAULT_ADMIN_ROLE);
            assert(new_class_hash.is_non_zero(), Errors::CLASS_HASH_ZERO);
            replace_class_syscall(new_class_hash).unwrap_syscall();
            self.emit(Upgraded { class_hash: new_class_hash });
        }
    }
}
