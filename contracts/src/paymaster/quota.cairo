//! What has been relayed: the replay record, per-account quota periods, tiers and counters, and
//! the SponsoredExecution event that reports each relayed request.

use core::poseidon::poseidon_hash_span;
use starknet::account::Call;
use starknet::event::EventEmitter;
use starknet::storage::{
    StorageMapReadAccess, StorageMapWriteAccess, StoragePathEntry, StoragePointerReadAccess,
    StoragePointerWriteAccess,
};
use starknet::{ContractAddress, get_block_timestamp};
use super::Errors;
use super::Paymaster::ContractState;
use super::events::{
    AccountAllowanceCleared, AccountAllowanceSet, AccountTierSet, SponsoredExecution, TierSet,
};
use super::interface::TierConfig;

/// Tier 0, which every account starts in, as configured at deployment.
pub const DEFAULT_TIER_MAX_TXS: u32 = 1000;
pub const DEFAULT_TIER_PERIOD: u64 = 86400;

/// Poseidon over the Serde encoding of the calls (len, then to, selector, calldata_len,
/// calldata... per call), so off-chain indexers can recompute it from the request.
pub(crate) fn hash_calls(calls: Span<Call>) -> felt252 {
    let mut buf = array![];
    calls.serialize(ref buf);
    poseidon_hash_span(buf.span())
}

#[generate_trait]
pub(crate) impl QuotaImpl of QuotaTrait {
    fn consume_nonce(ref self: ContractState, account: ContractAddress, nonce: felt252) {
        assert(!self.used_nonces.read((account, nonce)), Errors::NONCE_USED);
        self.used_nonces.write((account, nonce), true);
    }

    /// The account's quota as it stands now: (period start, transactions used in it, maximum).
    /// One counting for consume_quota and the quota_left view, so a relay reading the view sees
    /// exactly what the next relayed transaction will be held to.
    fn quota_now(self: @ContractState, account: ContractAddress) -> (u64, u32, u32) {
        let usage = self.accounts.read(account);
        let tier = self.tiers.read(usage.tier);
        // The account's own allowance wins over the tier either way (tier max 0, allowance 0).
        let max = match usage.allowance_override {
            Some(max) => max,
            None => tier.max_txs_per_period,
        };
        let now = get_block_timestamp();
        if now - usage.period_start >= tier.period_seconds {
            (now, 0, max)
        } else {
            (usage.period_start, usage.txs_in_period, max)
        }
    }

    fn consume_quota(ref self: ContractState, account: ContractAddress) {
        let (period_start, used, max) = self.quota_now(account);
        assert(used < max, Errors::QUOTA_EXCEEDED);
        let entry = self.accounts.entry(account);
        entry.period_start.write(period_start);
        entry.txs_in_period.write(used + 1);
    }

    fn quota_left(self: @ContractState, account: ContractAddress) -> u32 {
        let (_, used, max) = self.quota_now(account);
        if used < max {
            max - used
        } else {
            0
        }
    }

    fn count_sponsored(ref self: ContractState, account: ContractAddress) {
        let entry = self.accounts.entry(account);
        entry.total_sponsored.write(entry.total_sponsored.read() + 1);
        self.total_sponsored.write(self.total_sponsored.read() + 1);
    }

    fn write_tier(
        ref self: ContractState, tier: u8, max_txs_per_period: u32, period_seconds: u64,
    ) {
        assert(period_seconds != 0, Errors::TIER_PERIOD_ZERO);
        self.tiers.write(tier, TierConfig { max_txs_per_period, period_seconds });
        self.emit(TierSet { tier, max_txs_per_period, period_seconds });
    }

    /// Only configured tiers: an unset one reads as period 0, under which an account allowance
    /// would restart every transaction and bind nothing.
    fn write_account_tier(ref self: ContractState, account: ContractAddress, tier: u8) {
        assert(self.tiers.read(tier).period_seconds != 0, Errors::TIER_NOT_SET);
        self.accounts.entry(account).tier.write(tier);
        self.emit(AccountTierSet { account, tier });
    }

    fn write_account_allowance(
        ref self: ContractState, account: ContractAddress, max_txs_per_period: u32,
    ) {
        self.accounts.entry(account).allowance_override.write(Some(max_txs_per_period));
        self.emit(AccountAllowanceSet { account, max_txs_per_period });
    }

    fn remove_account_allowance(ref self: ContractState, account: ContractAddress) {
        self.accounts.entry(account).allowance_override.write(None);
        self.emit(AccountAllowanceCleared { account });
    }

    fn emit_sponsored(
        ref self: ContractState,
        account: ContractAddress,
        relayer: ContractAddress,
        nonce: felt252,
        calls: Span<Call>,
        fee_token: ContractAddress,
        fee_amount: u256,
    ) {
        let calls_hash = hash_calls(calls);
        self
            .emit(
                SponsoredExecution { account, relayer, nonce, calls_hash, fee_token, fee_amount },
            );
    }
}
