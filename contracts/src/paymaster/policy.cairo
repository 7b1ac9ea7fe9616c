//! Sponsorship bookkeeping for the Paymaster: the call allowlist, the replay record, quotas,
//! counters and the SponsoredExecution event. The entrypoints keep the pause, relayer, blacklist
//! and account-class checks (`assert_can_relay`); these helpers only read and write the policy
//! state.

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
use super::events::{SponsoredExecution, TierSet};
use super::interface::TierConfig;

/// Poseidon over the Serde encoding of the calls (len, then to, selector, calldata_len,
/// calldata... per call), so off-chain indexers can recompute it from the request.
pub(crate) fn hash_calls(calls: Span<Call>) -> felt252 {
    let mut buf = array![];
    calls.serialize(ref buf);
    poseidon_hash_span(buf.span())
}

/// Fee mode: the last call must be `fee_token.transfer(paymaster, amount)`.
pub(crate) fn assert_fee_call(
    calls: Span<Call>, fee_token: ContractAddress, paymaster: ContractAddress,
) {
    let fee_call: Call = *calls.at(calls.len() - 1);
    assert(
        fee_call.to == fee_token
            && fee_call.selector == selector!("transfer")
            && fee_call.calldata.len() == 3
            && *fee_call.calldata.at(0) == paymaster.into(),
        Errors::LAST_CALL_NOT_FEE,
    );
}

#[generate_trait]
pub(crate) impl RelayPolicyImpl of RelayPolicyTrait {
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
