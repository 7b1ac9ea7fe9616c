//! Paymaster: the on-chain half of CIRO Relay sponsorship.
//!
//! A whitelisted relayer submits a user's SNIP-9 v2 outside execution; the Paymaster applies its
//! own policy (allowlisted account classes and calls, blacklist, per-account quota, replay guard,
//! fee collection) and forwards it to the account. Signature, time-bound, caller and nonce checks
//! of the SNIP-9 payload are the account's job inside `execute_from_outside_v2`.

pub mod errors;
pub mod events;
pub mod interface;
mod policy;
mod quota;
mod relay;
pub use errors as Errors;
pub use interface::*;

#[starknet::contract]
pub mod Paymaster {
    use starknet::storage::{Map, StorageMapReadAccess, StoragePointerReadAccess};
    use starknet::{ClassHash, ContractAddress};
    use crate::access::{
        AccessControlComponent, DEFAULT_ADMIN_ROLE, IACCESS_CONTROL_ID, OPERATOR_ROLE, PAUSER_ROLE,
    };
    use crate::pausable::{IPAUSABLE_ID, PauseAuthority, PausableComponent};
    use crate::src5::{SRC5Component, SRC5Interfaces};
    use crate::upgrade::{IUPGRADEABLE_ID, UpgradeAuthority, UpgradeableComponent};
    use super::events::*;
    use super::policy::RelayPolicyTrait;
    use super::quota::{DEFAULT_TIER_MAX_TXS, DEFAULT_TIER_PERIOD, QuotaTrait};
    use super::relay::RelayTrait;
    use super::{AccountUsage, Errors, IPAYMASTER_ID, IPaymaster, OutsideExecution, TierConfig};

    component!(path: AccessControlComponent, storage: access, event: AccessEvent);
    component!(path: SRC5Component, storage: src5, event: SRC5Event);
    component!(path: UpgradeableComponent, storage: upgradeable, event: UpgradeableEvent);
    component!(path: PausableComponent, storage: pausable, event: PausableEvent);

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
            [IACCESS_CONTROL_ID, IUPGRADEABLE_ID, IPAUSABLE_ID, IPAYMASTER_ID].span()
        }
    }
    #[abi(embed_v0)]
    impl PausableImpl = PausableComponent::PausableImpl<ContractState>;
    impl PausableInternal = PausableComponent::InternalImpl<ContractState>;

    // pub(crate) only so the helpers in paymaster/ can reach the fields; visibility is not part of
    // the ABI or of the storage layout.
    #[storage]
    struct Storage {
        pub(crate) relayers: Map<ContractAddress, bool>,
        pub(crate) allowed_calls: Map<(ContractAddress, felt252), bool>,
        pub(crate) blacklisted: Map<ContractAddress, bool>,
        pub(crate) fee_tokens: Map<ContractAddress, bool>,
        pub(crate) tiers: Map<u8, TierConfig>,
        pub(crate) accounts: Map<ContractAddress, AccountUsage>,
        // Independent of the account's own SNIP-9 nonce bitmap: stops a relayer from getting the
        // same signed payload counted (or charged) twice even if an account implementation is
        // lax about replay.
        pub(crate) used_nonces: Map<(ContractAddress, felt252), bool>,
        pub(crate) total_sponsored: u64,
        // Only accounts of these classes are relayed to: `execute_from_outside_v2` of an
        // arbitrary contract need not execute the `calls` the allowlist was checked against.
        pub(crate) account_classes: Map<ClassHash, bool>,
        #[substorage(v0)]
        access: AccessControlComponent::Storage,
        #[substorage(v0)]
        src5: SRC5Component::Storage,
        #[substorage(v0)]
        upgradeable: UpgradeableComponent::Storage,
        #[substorage(v0)]
        pausable: PausableComponent::Storage,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    pub enum Event {
        RelayerAdded: RelayerAdded,
        RelayerRemoved: RelayerRemoved,
        AllowedCallSet: AllowedCallSet,
        BlacklistUpdated: BlacklistUpdated,
        FeeTokenSet: FeeTokenSet,
        TierSet: TierSet,
        AccountTierSet: AccountTierSet,
        AccountAllowanceSet: AccountAllowanceSet,
        AccountAllowanceCleared: AccountAllowanceCleared,
        AccountClassSet: AccountClassSet,
        FeesWithdrawn: FeesWithdrawn,
        SponsoredExecution: SponsoredExecution,
        #[flat]
        AccessEvent: AccessControlComponent::Event,
        #[flat]
        SRC5Event: SRC5Component::Event,
        #[flat]
        UpgradeableEvent: UpgradeableComponent::Event,
        #[flat]
        PausableEvent: PausableComponent::Event,
    }

    #[constructor]
    fn constructor(ref self: ContractState, admin: ContractAddress) {
        let roles = array![DEFAULT_ADMIN_ROLE, OPERATOR_ROLE, PAUSER_ROLE];
        self.access._grant_roles(roles.span(), admin);
        self.write_tier(0, DEFAULT_TIER_MAX_TXS, DEFAULT_TIER_PERIOD);
    }

    #[abi(embed_v0)]
    impl PaymasterImpl of IPaymaster<ContractState> {
        fn execute_sponsored(
            ref self: ContractState,
            account: ContractAddress,
            outside_execution: OutsideExecution,
            signature: Span<felt252>,
        ) -> Array<Span<felt252>> {
            self.pausable.assert_not_paused(Errors::PAUSED);
            self.relay_sponsored(account, outside_execution, signature)
        }

        fn execute_with_fee(
            ref self: ContractState,
            account: ContractAddress,
            outside_execution: OutsideExecution,
            signature: Span<felt252>,
            fee_token: ContractAddress,
            fee_amount: u256,
        ) -> Array<Span<felt252>> {
            self.pausable.assert_not_paused(Errors::PAUSED);
            self.relay_with_fee(account, outside_execution, signature, fee_token, fee_amount)
        }

        fn add_relayer(ref self: ContractState, relayer: ContractAddress) {
            self.access.assert_only_role(OPERATOR_ROLE);
            self.write_relayer(relayer, true);
        }

        fn remove_relayer(ref self: ContractState, relayer: ContractAddress) {
            self.access.assert_only_role(OPERATOR_ROLE);
            self.write_relayer(relayer, false);
        }

        fn set_allowed_call(
            ref self: ContractState, target: ContractAddress, selector: felt252, allowed: bool,
        ) {
            self.access.assert_only_role(OPERATOR_ROLE);
            self.write_allowed_call(target, selector, allowed);
        }

        fn set_blacklisted(ref self: ContractState, account: ContractAddress, blacklisted: bool) {
            self.access.assert_only_role(OPERATOR_ROLE);
            self.write_blacklisted(account, blacklisted);
        }

        fn set_fee_token(ref self: ContractState, token: ContractAddress, supported: bool) {
            self.access.assert_only_role(OPERATOR_ROLE);
            self.write_fee_token(token, supported);
        }

        fn set_tier(
            ref self: ContractState, tier: u8, max_txs_per_period: u32, period_seconds: u64,
        ) {
            self.access.assert_only_role(OPERATOR_ROLE);
            self.write_tier(tier, max_txs_per_period, period_seconds);
        }

        fn set_account_tier(ref self: ContractState, account: ContractAddress, tier: u8) {
            self.access.assert_only_role(OPERATOR_ROLE);
            self.write_account_tier(account, tier);
        }

        fn set_account_allowance(
            ref self: ContractState, account: ContractAddress, max_txs_per_period: u32,
        ) {
            self.access.assert_only_role(OPERATOR_ROLE);
            self.write_account_allowance(account, max_txs_per_period);
        }

        fn clear_account_allowance(ref self: ContractState, account: ContractAddress) {
            self.access.assert_only_role(OPERATOR_ROLE);
            self.remove_account_allowance(account);
        }

        fn set_account_class(ref self: ContractState, class_hash: ClassHash, allowed: bool) {
            self.access.assert_only_role(OPERATOR_ROLE);
            self.write_account_class(class_hash, allowed);
        }

        fn withdraw_fees(
            ref self: ContractState, token: ContractAddress, to: ContractAddress, amount: u256,
        ) {
            self.access.assert_only_role(DEFAULT_ADMIN_ROLE);
            self.send_fees(token, to, amount);
        }

        fn is_relayer(self: @ContractState, addr: ContractAddress) -> bool {
            self.relayers.read(addr)
        }
        fn is_allowed_call(
            self: @ContractState, target: ContractAddress, selector: felt252,
        ) -> bool {
            self.allowed_calls.read((target, selector))
        }
        fn is_blacklisted(self: @ContractState, account: ContractAddress) -> bool {
            self.blacklisted.read(account)
        }
        fn is_fee_token(self: @ContractState, token: ContractAddress) -> bool {
            self.fee_tokens.read(token)
        }
        fn is_account_class(self: @ContractState, class_hash: ClassHash) -> bool {
            self.account_classes.read(class_hash)
        }
        fn get_tier(self: @ContractState, tier: u8) -> TierConfig {
            self.tiers.read(tier)
        }
        fn get_account(self: @ContractState, account: ContractAddress) -> AccountUsage {
            self.accounts.read(account)
        }
        fn quota_left(self: @ContractState, account: ContractAddress) -> u32 {
            QuotaTrait::quota_left(self, account)
        }
        fn total_sponsored(self: @ContractState) -> u64 {
            self.total_sponsored.read()
        }
    }

    impl UpgradeGate of UpgradeAuthority<ContractState> {
        fn assert_can_upgrade(self: @ContractState) {
            self.access.assert_only_role(DEFAULT_ADMIN_ROLE);
        }
    }

    impl PauseGate of PauseAuthority<ContractState> {
        fn assert_can_pause(self: @ContractState) {
            self.access.assert_only_role(PAUSER_ROLE);
        }
    }
}
