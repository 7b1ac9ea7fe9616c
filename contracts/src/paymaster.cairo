//! Paymaster: the on-chain half of CIRO Relay sponsorship.
//!
//! A whitelisted relayer submits a user's SNIP-9 v2 outside execution; the Paymaster applies its
//! own policy (allowlisted account classes and calls, blacklist, per-account quota, replay guard,
//! fee collection) and forwards it to the account. Signature, time-bound, caller and nonce checks
//! of the SNIP-9 payload are the account's job inside `execute_from_outside_v2`.

pub mod events;
pub mod interface;
mod policy;
pub use interface::{
    AccountUsage, IPaymaster, IPaymasterDispatcher, IPaymasterDispatcherTrait, ISRC9_V2,
    ISRC9_V2Dispatcher, ISRC9_V2DispatcherTrait, OutsideExecution, TierConfig,
};

pub mod Errors {
    pub const PAUSED: felt252 = 'PM: paused';
    pub const NOT_RELAYER: felt252 = 'PM: caller not relayer';
    pub const BLACKLISTED: felt252 = 'PM: account blacklisted';
    pub const ACCOUNT_CLASS_NOT_ALLOWED: felt252 = 'PM: account class not allowed';
    pub const NO_CALLS: felt252 = 'PM: no calls';
    pub const CALL_NOT_ALLOWED: felt252 = 'PM: call not allowed';
    pub const NONCE_USED: felt252 = 'PM: nonce already used';
    pub const QUOTA_EXCEEDED: felt252 = 'PM: quota exceeded';
    pub const FEE_TOKEN_UNSUPPORTED: felt252 = 'PM: fee token unsupported';
    pub const LAST_CALL_NOT_FEE: felt252 = 'PM: last call not fee transfer';
    pub const FEE_NOT_PAID: felt252 = 'PM: fee not paid';
    pub const FEE_AMOUNT_ZERO: felt252 = 'PM: fee amount zero';
    pub const TRANSFER_FAILED: felt252 = 'PM: transfer failed';
}

pub const DEFAULT_TIER_MAX_TXS: u32 = 1000;
pub const DEFAULT_TIER_PERIOD: u64 = 86400;

#[starknet::contract]
pub mod Paymaster {
    use core::num::traits::Zero;
    use starknet::storage::{
        Map, StorageMapReadAccess, StorageMapWriteAccess, StoragePathEntry,
        StoragePointerReadAccess, StoragePointerWriteAccess,
    };
    use starknet::syscalls::get_class_hash_at_syscall;
    use starknet::{
        ClassHash, ContractAddress, SyscallResultTrait, get_caller_address, get_contract_address,
    };
    use crate::access::{AccessControlComponent, DEFAULT_ADMIN_ROLE, OPERATOR_ROLE, PAUSER_ROLE};
    use crate::pausable::PausableComponent;
    use crate::src5::SRC5Component;
    use crate::token::{IERC20Dispatcher, IERC20DispatcherTrait};
    use crate::upgrade::UpgradeableComponent;
    use super::events::*;
    use super::policy::{RelayPolicyTrait, assert_fee_call};
    use super::{
        AccountUsage, DEFAULT_TIER_MAX_TXS, DEFAULT_TIER_PERIOD, Errors, IPaymaster,
        ISRC9_V2Dispatcher, ISRC9_V2DispatcherTrait, OutsideExecution, TierConfig,
    };

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
    #[abi(embed_v0)]
    impl PausableImpl = PausableComponent::PausableImpl<ContractState>;
    impl AccessInternal = AccessControlComponent::InternalImpl<ContractState>;
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
        self.access._grant_role(DEFAULT_ADMIN_ROLE, admin);
        self.access._grant_role(OPERATOR_ROLE, admin);
        self.access._grant_role(PAUSER_ROLE, admin);
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
            let relayer = self.assert_can_relay(account);
            let calls = outside_execution.calls;
            assert(calls.len() > 0, Errors::NO_CALLS);
            self.assert_calls_allowed(calls, calls.len());
            self.consume_nonce(account, outside_execution.nonce);
            self.consume_quota(account);
            self.count_sponsored(account);

            let result = ISRC9_V2Dispatcher { contract_address: account }
                .execute_from_outside_v2(outside_execution, signature);
            self.emit_sponsored(account, relayer, outside_execution.nonce, calls, Zero::zero(), 0);
            result
        }

        fn execute_with_fee(
            ref self: ContractState,
            account: ContractAddress,
            outside_execution: OutsideExecution,
            signature: Span<felt252>,
            fee_token: ContractAddress,
            fee_amount: u256,
        ) -> Array<Span<felt252>> {
            let relayer = self.assert_can_relay(account);
            let calls = outside_execution.calls;
            assert(calls.len() > 0, Errors::NO_CALLS);
            assert(self.fee_tokens.read(fee_token), Errors::FEE_TOKEN_UNSUPPORTED);
            // The fee transfer is exempt from the allowlist only in the last slot, where the
            // balance check below proves it actually paid the Paymaster.
            // A zero fee would turn the allowlist-exempt last slot into a free, unlimited
            // sponsored transfer of any supported token to anyone.
            assert(fee_amount > 0, Errors::FEE_AMOUNT_ZERO);
            let this = get_contract_address();
            assert_fee_call(calls, fee_token, this);
            self.assert_calls_allowed(calls, calls.len() - 1);
            self.consume_nonce(account, outside_execution.nonce);
            self.count_sponsored(account);

            let token = IERC20Dispatcher { contract_address: fee_token };
            let before = token.balance_of(this);
            let result = ISRC9_V2Dispatcher { contract_address: account }
                .execute_from_outside_v2(outside_execution, signature);
            let after = token.balance_of(this);
            assert(after >= before && after - before >= fee_amount, Errors::FEE_NOT_PAID);
            self
                .emit_sponsored(
                    account, relayer, outside_execution.nonce, calls, fee_token, fee_amount,
                );
            result
        }

        fn add_relayer(ref self: ContractState, relayer: ContractAddress) {
            self.access.assert_only_role(OPERATOR_ROLE);
            self.relayers.write(relayer, true);
            self.emit(RelayerAdded { relayer });
        }

        fn remove_relayer(ref self: ContractState, relayer: ContractAddress) {
            self.access.assert_only_role(OPERATOR_ROLE);
            self.relayers.write(relayer, false);
            self.emit(RelayerRemoved { relayer });
        }

        fn set_allowed_call(
            ref self: ContractState, target: ContractAddress, selector: felt252, allowed: bool,
        ) {
            self.access.assert_only_role(OPERATOR_ROLE);
            self.allowed_calls.write((target, selector), allowed);
            self.emit(AllowedCallSet { target, selector, allowed });
        }

        fn set_blacklisted(ref self: ContractState, account: ContractAddress, blacklisted: bool) {
            self.access.assert_only_role(OPERATOR_ROLE);
            self.blacklisted.write(account, blacklisted);
            self.emit(BlacklistUpdated { account, blacklisted });
        }

        fn set_fee_token(ref self: ContractState, token: ContractAddress, supported: bool) {
            self.access.assert_only_role(OPERATOR_ROLE);
            self.fee_tokens.write(token, supported);
            self.emit(FeeTokenSet { token, supported });
        }

        fn set_tier(
            ref self: ContractState, tier: u8, max_txs_per_period: u32, period_seconds: u64,
        ) {
            self.access.assert_only_role(OPERATOR_ROLE);
            self.write_tier(tier, max_txs_per_period, period_seconds);
        }

        fn set_account_tier(ref self: ContractState, account: ContractAddress, tier: u8) {
            self.access.assert_only_role(OPERATOR_ROLE);
            self.accounts.entry(account).tier.write(tier);
            self.emit(AccountTierSet { account, tier });
        }

        fn set_account_allowance(
            ref self: ContractState, account: ContractAddress, max_txs_per_period: u32,
        ) {
            self.access.assert_only_role(OPERATOR_ROLE);
            self.accounts.entry(account).allowance_override.write(max_txs_per_period);
            self.emit(AccountAllowanceSet { account, max_txs_per_period });
        }

        fn set_account_class(ref self: ContractState, class_hash: ClassHash, allowed: bool) {
            self.access.assert_only_role(OPERATOR_ROLE);
            self.account_classes.write(class_hash, allowed);
            self.emit(AccountClassSet { class_hash, allowed });
        }

        fn withdraw_fees(
            ref self: ContractState, token: ContractAddress, to: ContractAddress, amount: u256,
        ) {
            self.access.assert_only_role(DEFAULT_ADMIN_ROLE);
            let ok = IERC20Dispatcher { contract_address: token }.transfer(to, amount);
            assert(ok, Errors::TRANSFER_FAILED);
            self.emit(FeesWithdrawn { token, to, amount });
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

        fn total_sponsored(self: @ContractState) -> u64 {
            self.total_sponsored.read()
        }
    }

    #[generate_trait]
    impl InternalImpl of InternalTrait {
        /// Shared pre-checks of both execution modes; returns the relayer.
        fn assert_can_relay(self: @ContractState, account: ContractAddress) -> ContractAddress {
            self.pausable.assert_not_paused(Errors::PAUSED);
            let relayer = get_caller_address();
            assert(self.relayers.read(relayer), Errors::NOT_RELAYER);
            assert(!self.blacklisted.read(account), Errors::BLACKLISTED);
            // Only an allowed class is trusted to execute exactly the allowlisted `calls` (any
            // contract can implement execute_from_outside_v2). Undeployed reads as class 0.
            let class_hash = get_class_hash_at_syscall(account).unwrap_syscall();
            assert(self.account_classes.read(class_hash), Errors::ACCOUNT_CLASS_NOT_ALLOWED);
            relayer
        }
    }
}
