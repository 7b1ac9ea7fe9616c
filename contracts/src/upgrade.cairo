//! In-place upgrades via replace_class. The component only performs the swap; each contract
//! implements `IUpgradeable` itself and gates it (all four CIRO contracts: DEFAULT_ADMIN_ROLE).
//! Whoever passes that gate can swap the code behind the address and thereby take every asset the
//! contract controls, so the role must sit behind a multisig / timelock in production.

use starknet::ClassHash;

#[starknet::interface]
pub trait IUpgradeable<TState> {
    fn upgrade(ref self: TState, new_class_hash: ClassHash);
}

/// SRC-5 id of `IUpgradeable`: the starknet_keccak of `upgrade(ClassHash)`.
/// test/contracts/src5.test.ts recomputes it from the compiled ABI.
pub const IUPGRADEABLE_ID: felt252 =
    0x22e2da9785c8e117a9ee8b59a880f5c634ef5a17cd631b65b0785f6367feb8f;

pub mod Errors {
    pub const CLASS_HASH_ZERO: felt252 = 'UPG: class hash zero';
}

#[starknet::component]
pub mod UpgradeableComponent {
    use core::num::traits::Zero;
    use starknet::syscalls::replace_class_syscall;
    use starknet::{ClassHash, SyscallResultTrait};
    use super::Errors;

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

    /// No access check in here: callers gate `upgrade` first (see the contracts'
    /// `UpgradeableImpl`).
    #[generate_trait]
    pub impl InternalImpl<
        TContractState, +HasComponent<TContractState>,
    > of InternalTrait<TContractState> {
        fn upgrade(ref self: ComponentState<TContractState>, new_class_hash: ClassHash) {
            assert(new_class_hash.is_non_zero(), Errors::CLASS_HASH_ZERO);
            replace_class_syscall(new_class_hash).unwrap_syscall();
            // replace_class takes effect once this call returns, so the old code emits the event.
            self.emit(Upgraded { class_hash: new_class_hash });
        }
    }
}
