//! Shared set-up of the Paymaster unit tests: a relayer, the mock account class and two
//! allowlisted pool calls, plus builders for outside executions.

use starknet::ContractAddress;
use starknet::account::Call;
use crate::paymaster::interface::{
    IPaymasterDispatcherTrait, IPaymasterSafeDispatcher, OutsideExecution,
};
use super::mocks::MockAccount;
use super::utils::{ADMIN, CAP_GPU, Env, RELAYER, as_, deploy_account, setup};

pub fn call(to: ContractAddress, selector: felt252, calldata: Array<felt252>) -> Call {
    Call { to, selector, calldata: calldata.span() }
}

pub fn outside(env: Env, nonce: felt252, calls: Array<Call>) -> OutsideExecution {
    OutsideExecution {
        caller: env.pm.contract_address,
        nonce,
        execute_after: 0,
        execute_before: 0xffffffffffff,
        calls: calls.span(),
    }
}

pub fn sig() -> Span<felt252> {
    array![1].span()
}

pub fn safe(env: Env) -> IPaymasterSafeDispatcher {
    IPaymasterSafeDispatcher { contract_address: env.pm.contract_address }
}

/// Relayer whitelisted, the mock account class allowed, pool.register_worker and
/// pool.claim_rewards allowlisted, one account.
pub fn env_with_account() -> (Env, ContractAddress) {
    let env = setup();
    as_(ADMIN());
    env.pm.add_relayer(RELAYER());
    env.pm.set_account_class(MockAccount::TEST_CLASS_HASH, true);
    env.pm.set_allowed_call(env.pool.contract_address, selector!("register_worker"), true);
    env.pm.set_allowed_call(env.pool.contract_address, selector!("claim_rewards"), true);
    (env, deploy_account('acc'))
}

pub fn register_call(env: Env) -> Call {
    call(env.pool.contract_address, selector!("register_worker"), array![CAP_GPU.into()])
}
