//! Role-based access control shared by every CIRO contract.
//!
//! Roles are short-string felts. Each role has an admin role (default: DEFAULT_ADMIN_ROLE = 0)
//! whose holders may grant and revoke it. DEFAULT_ADMIN_ROLE always keeps at least one holder:
//! revoking or renouncing the last one reverts, since nobody could grant any role after it.

use starknet::ContractAddress;

pub const DEFAULT_ADMIN_ROLE: felt252 = 0;
pub const MINTER_ROLE: felt252 = 'MINTER_ROLE';
pub const PAUSER_ROLE: felt252 = 'PAUSER_ROLE';
pub const OPERATOR_ROLE: felt252 = 'OPERATOR_ROLE';
pub const SLASHER_ROLE: felt252 = 'SLASHER_ROLE';
pub const JOB_MANAGER_ROLE: felt252 = 'JOB_MANAGER_ROLE';
pub const COORDINATOR_ROLE: felt252 = 'COORDINATOR_ROLE';
pub const ARBITER_ROLE: felt252 = 'ARBITER_ROLE';
pub const MODEL_ADMIN_ROLE: felt252 = 'MODEL_ADMIN_ROLE';

/// SRC-5 id of `IAccessControl` below. It differs from OpenZeppelin's IAccessControl id because
/// `renounce_role` here takes no account (the caller always renounces for itself).
/// test/contracts/src5.test.ts recomputes it from the compiled ABI.
pub const IACCESS_CONTROL_ID: felt252 =
    0x3701e8188e7fb7fef6ada043e16e62132014b174dd5b130688938aee0351592;

pub mod Errors {
    pub const MISSING_ROLE: felt252 = 'AC: missing role';
    pub const LAST_ADMIN: felt252 = 'AC: last admin';
}

#[starknet::interface]
pub trait IAccessControl<TState> {
    fn has_role(self: @TState, role: felt252, account: ContractAddress) -> bool;
    fn get_role_admin(self: @TState, role: felt252) -> felt252;
    fn grant_role(ref self: TState, role: felt252, account: ContractAddress);
    fn revoke_role(ref self: TState, role: felt252, account: ContractAddress);
    fn renounce_role(ref self: TState, role: felt252);
}

#[starknet::component]
pub mod AccessControlComponent {
    use starknet::storage::{
        Map, StorageMapReadAccess, StorageMapWriteAccess,
    };
    use starknet::{ContractAddress, get_caller_address};
    use super::{DEFAULT_ADMIN_ROLE, Errors, IAccessControl};

    #[storage]
    pub struct Storage {
        AC_roles: Map<(felt252, ContractAddress), bool>,
        // Unset entries read as 0, i.e. DEFAULT_ADMIN_ROLE administers every role by default.
        AC_role_admin: Map<felt252, felt252>,
        // Holders per role, kept by _grant_role / _revoke_role; only DEFAULT_ADMIN_ROLE's count is
        // enforced. Starts at deployment: storage from before it existed reads 0.
        AC_role_members: Map<felt252, u32>,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    pub enum Event {
        RoleGranted: RoleGranted,
        RoleRevoked: RoleRevoked,
        RoleAdminChanged: RoleAdminChanged,
    }

    #[derive(Drop, starknet::Event)]
    pub struct RoleGranted {
        #[key]
        pub role: felt252,
        #[key]
        pub account: ContractAddress,
        pub sender: ContractAddress,
    }

    #[derive(Drop, starknet::Event)]
    pub struct RoleRevoked {
        #[key]
        pub role: felt252,
        #[key]
        pub account: ContractAddress,
        pub sender: ContractAddress,
    }

    #[derive(Drop, starknet::Event)]
    pub struct RoleAdminChanged {
        #[key]
        pub role: felt252,
        pub previous_admin_role: felt252,
        pub new_admin_role: felt252,
    }

    #[embeddable_as(AccessControlImpl)]
    impl AccessControl<
        TContractState, +HasComponent<TContractState>,
    > of IAccessControl<ComponentState<TContractState>> {
        fn has_role(
            self: @ComponentState<TContractState>, role: felt252, account: ContractAddress,
        ) -> bool {
            self.AC_roles.read((role, account))
        }

        fn get_role_admin(self: @ComponentState<TContractState>, role: felt252) -> felt252 {
            self.AC_role_admin.read(role)
        }

        fn grant_role(
            ref self: ComponentState<TContractState>, role: felt252, account: ContractAddress,
        ) {
            self.assert_only_role(self.AC_role_admin.read(role));
            self._grant_role(role, account);
        }

        fn revoke_role(
            ref self: ComponentState<TContractState>, role: felt252, account: ContractAddress,
        ) {
            self.assert_only_role(self.AC_role_admin.read(role));
            self._revoke_role(role, account);
        }

        fn renounce_role(ref self: ComponentState<TContractState>, role: felt252) {
            // Renouncing a role one does not hold would be a silent no-op that hides mistakes.
            self.assert_only_role(role);
            self._revoke_role(role, get_caller_address());
        }
    }

    #[generate_trait]
    pub impl InternalImpl<
        TContractState, +HasComponent<TContractState>,
    > of InternalTrait<TContractState> {
        fn assert_only_role(self: @ComponentState<TContractState>, role: felt252) {
            assert(self.AC_roles.read((role, get_caller_address())), Errors::MISSING_ROLE);
        }

        fn has_role_internal(
            self: @ComponentState<TContractState>, role: felt252, account: ContractAddress,
        ) -> bool {
            self.AC_roles.read((role, account))
        }

        /// Grants without an authorization check; for constructors and trusted internal paths.
        fn _grant_role(
            ref self: ComponentState<TContractState>, role: felt252, account: ContractAddress,
        ) {
            if !self.AC_roles.read((role, account)) {
                self.AC_roles.write((role, account), true);
                self.AC_role_members.write(role, self.AC_role_members.read(role) + 1);
                self.emit(RoleGranted { role, account, sender: get_caller_address() });
            }
        }

        fn _grant_roles(
            ref self: ComponentState<TContractState>, roles: Span<felt252>, account: ContractAddress,
        ) {
            for role in roles {
                self._grant_role(*role, account);
            }
        }

        /// Refuses to drop the last DEFAULT_ADMIN_ROLE holder (by revoke or renounce): with none
        /// left no role could ever be granted again and upgrades would be impossible.
        fn _revoke_role(
            ref self: ComponentState<TContractState>, role: felt252, account: ContractAddress,
        ) {
            if self.AC_roles.read((role, account)) {
                let members = self.AC_role_members.read(role);
                assert(role != DEFAULT_ADMIN_ROLE || members > 1, Errors::LAST_ADMIN);
                self.AC_roles.write((role, account), false);
                // Saturating: a role granted before the count existed reads 0.
                self.AC_role_members.write(role, if members > 0 {
                    members - 1
                } else {
                    0
                });
                self.emit(RoleRevoked { role, account, sender: get_caller_address() });
            }
        }

        fn _set_role_admin(
            ref self: ComponentState<TContractState>, role: felt252, admin_role: felt252,
        ) {
            let previous_admin_role = self.AC_role_admin.read(role);
            self.AC_role_admin.write(role, admin_role);
            self
                .emit(
                    RoleAdminChanged { role, previous_admin_role, new_admin_role: admin_role },
                );
        }
    }
}
