//! Paymaster: the on-chain half of CIRO Relay sponsorship.
//!
//! A whitelisted relayer submits a user's SNIP-9 v2 outside execution; the Paymaster applies its
//! own policy (allowlisted calls, blacklist, per-account quota, replay guard, fee collection) and
//! forwards it to the account. Signature, time-bound, caller and nonce checks of the SNIP-9
//! payload are the account's job inside `execute_from_outside_v2`.

pub mod events;
pub mod interface;
pub use interface::{
    AccountUsage, IPaymaster, IPaymasterDispatcher, IPaymasterDispatcherTrait, ISRC9_V2,
    ISRC9_V2Dispatcher, ISRC9_V2DispatcherTrait, OutsideExecution, TierConfig,
};

pub mod Errors {
    pub const PAUSED: felt252 = 'PM: paused';
    pub const NOT_RELAYER: felt252 = 'PM: caller not relayer';
    pub const BLACKLISTED: felt252 = 'PM: account blacklisted';
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
    use core::poseidon::poseidon_hash_span;
    use starknet::account::Call;
    use starknet::storage::{
        Map, StorageMapReadAccess, StorageMapWriteAccess, StoragePathEntry,
        StoragePointerReadAccess, StoragePointerWriteAccess,
    };
    use starknet::{ContractAddress, get_block_timestamp, get_caller_address, get_contract_address};
    use crate::access::{AccessControlComponent, DEFAULT_ADMIN_ROLE, OPERATOR_ROLE, PAUSER_ROLE};
    use crate::pausable::PausableComponent;
    use crate::src5::SRC5Component;
    use crate::token::{IERC20Dispatcher, IERC20DispatcherTrait};
    use crate::upgrade::UpgradeableComponent;
    use super::events::*;
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

    #[storage]
    struct Storage {
        relayers: Map<ContractAddress, bool>,
        allowed_calls: Map<(ContractAddress, felt252), bool>,
        blacklisted: Map<ContractAddress, bool>,
        fee_tokens: Map<ContractAddress, bool>,
        tiers: Map<u8, TierConfig>,
        accounts: Map<ContractAddress, AccountUsage>,
        // Independent of the account's own SNIP-9 nonce bitmap: stops a relayer from getting the
        // same signed payload counted (or charged) twice even if an account implementation is
        // lax about replay.
        used_nonces: Map<(ContractAddress, felt252), bool>,
        total_sponsored: u64,
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
            self
                .emit(
                    SponsoredExecution {
                        account,
                        relayer,
                        nonce: outside_execution.nonce,
                        calls_hash: hash_calls(calls),
                        fee_token: Zero::zero(),
                        fee_amount: 0,
                    },
                );
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
            let fee_call: Call = *calls.at(calls.len() - 1);
            let this = get_contract_address();
            assert(
                fee_call.to == fee_token
                    && fee_call.selector == selector!("transfer")
                    && fee_call.calldata.len() == 3
                    && *fee_call.calldata.at(0) == this.into(),
                Errors::LAST_CALL_NOT_FEE,
            );
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
                .emit(
                    SponsoredExecution {
                        account,
                        relayer,
                        nonce: outside_execution.nonce,
                        calls_hash: hash_calls(calls),
                        fee_token,
                        fee_amount,
                    },
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

    /// Poseidon over the Serde encoding of the calls (len, then to, selector, calldata_len,
    /// calldata... per call), so off-chain indexers can recompute it from the request.
    fn hash_calls(calls: Span<Call>) -> felt252 {
        let mut buf = array![];
        calls.serialize(ref buf);
        poseidon_hash_span(buf.span())
    }

    #[generate_trait]
    impl InternalImpl of InternalTrait {
        /// Shared pre-checks of both execution modes; returns the relayer.
        fn assert_can_relay(self: @ContractState, account: ContractAddress) -> ContractAddress {
            self.pausable.assert_not_paused(Errors::PAUSED);
            let relayer = get_caller_address();
            assert(self.relayers.read(relayer), Errors::NOT_RELAYER);
            assert(!self.blacklisted.read(account), Errors::BLACKLISTED);
            relayer
        }

        /// Checks the first `count` calls against the (target, selector) allowlist.
        fn assert_calls_allowed(self: @ContractState, calls: Span<Call>, count: u32) {
            for i in 0..count {
                let call = calls.at(i);
                let allowed = self.allowed_calls.read((*call.to, *call.selector));
                assert(allowed, Errors::CALL_NOT_ALLOWED);
            }
        }

        fn consume_nonce(ref self: ContractState, account: ContractAddress, nonce: felt252) {
            assert(!self.used_nonces.read((account, nonce)), Errors::NONCE_USED);
            self.used_nonces.write((account, nonce), true);
        }

        fn consume_quota(ref self: ContractState, account: ContractAddress) {
            let entry = self.accounts.entry(account);
            let usage = entry.read();
            let tier = self.tiers.read(usage.tier);
            // A per-account override wins over the tier (including a tier with max 0).
            let max = if usage.allowance_override != 0 {
                usage.allowance_override
            } else {
                tier.max_txs_per_period
            };
            let now = get_block_timestamp();
            let (period_start, used) = if now - usage.period_start >= tier.period_seconds {
                (now, 0)
            } else {
                (usage.period_start, usage.txs_in_period)
            };
            assert(used < max, Errors::QUOTA_EXCEEDED);
            entry.period_start.write(period_start);
            entry.txs_in_period.write(used + 1);
        }

        fn count_sponsored(ref self: ContractState, account: ContractAddress) {
            let entry = self.accounts.entry(account);
            entry.total_sponsored.write(entry.total_sponsored.read() + 1);
            self.total_sponsored.write(self.total_sponsored.read() + 1);
        }

        fn write_tier(
            ref self: ContractState, tier: u8, max_txs_per_period: u32, period_seconds: u64,
        ) {
            self.tiers.write(tier, TierConfig { max_txs_per_period, period_seconds });
            self.emit(TierSet { tier, max_txs_per_period, period_seconds });
        }
    }
}
