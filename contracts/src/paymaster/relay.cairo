//! The path of one relayed request through the Paymaster, after the entry point's pause check:
//! relayer, blacklist and account class; the calls (in fee mode also the fee call); replay record
//! and quota; then the account, which checks the user's signature, caller, time bounds and its own
//! nonce inside `execute_from_outside_v2`. errors.cairo lists the revert reasons in this order;
//! the relay pre-checks requests in the same order, so keep them in step.

use core::num::traits::Zero;
use starknet::{ContractAddress, get_contract_address};
use crate::token::{IERC20Dispatcher, IERC20DispatcherTrait};
use super::Errors;
use super::Paymaster::ContractState;
use super::interface::{ISRC9_V2Dispatcher, ISRC9_V2DispatcherTrait, OutsideExecution};
use super::policy::{RelayPolicyTrait, assert_fee_call};
use super::quota::QuotaTrait;

#[generate_trait]
pub(crate) impl RelayImpl of RelayTrait {
    fn relay_sponsored(
        ref self: ContractState,
        account: ContractAddress,
        outside_execution: OutsideExecution,
        signature: Span<felt252>,
    ) -> Array<Span<felt252>> {
        let relayer = self.assert_can_relay(account);
        let calls = outside_execution.calls;
        assert(calls.len() > 0, Errors::NO_CALLS);
        self.assert_calls_allowed(account, calls, calls.len());
        self.consume_nonce(account, outside_execution.nonce);
        self.consume_quota(account);
        self.count_sponsored(account);

        let result = ISRC9_V2Dispatcher { contract_address: account }
            .execute_from_outside_v2(outside_execution, signature);
        self.emit_sponsored(account, relayer, outside_execution.nonce, calls, Zero::zero(), 0);
        result
    }

    /// Not quota-limited: the user pays. Still counted in `total_sponsored`.
    fn relay_with_fee(
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
        self.assert_fee_token(fee_token);
        // A zero fee would turn the allowlist-exempt last slot into a free, unlimited sponsored
        // transfer of any supported token to anyone.
        assert(fee_amount > 0, Errors::FEE_AMOUNT_ZERO);
        let this = get_contract_address();
        // The fee transfer is exempt from the allowlist only in the last slot, where the balance
        // check below proves it actually paid the Paymaster.
        assert_fee_call(calls, fee_token, this);
        self.assert_calls_allowed(account, calls, calls.len() - 1);
        self.consume_nonce(account, outside_execution.nonce);
        self.count_sponsored(account);

        let token = IERC20Dispatcher { contract_address: fee_token };
        let before = token.balance_of(this);
        let result = ISRC9_V2Dispatcher { contract_address: account }
            .execute_from_outside_v2(outside_execution, signature);
        let after = token.balance_of(this);
        assert(after >= before && after - before >= fee_amount, Errors::FEE_NOT_PAID);
        let nonce = outside_execution.nonce;
        // What the Paymaster received, not the relayer's figure (only a minimum): indexers sum it.
        self.emit_sponsored(account, relayer, nonce, calls, fee_token, after - before);
        result
    }
}
