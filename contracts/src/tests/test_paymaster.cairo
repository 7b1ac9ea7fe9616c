use core::num::traits::Zero;
use core::poseidon::poseidon_hash_span;
use starknet::account::Call;
use starknet::testing::{pop_log_raw, set_block_timestamp};
use starknet::{ClassHash, ContractAddress};
use crate::access::{IAccessControlDispatcher, IAccessControlDispatcherTrait, OPERATOR_ROLE};
use crate::cdc_pool::ICdcPoolDispatcherTrait;
use crate::pausable::{IPausableDispatcher, IPausableDispatcherTrait};
use crate::paymaster::interface::{
    IPaymasterDispatcherTrait, IPaymasterSafeDispatcher, IPaymasterSafeDispatcherTrait,
    OutsideExecution, TierConfig,
};
use crate::token::IERC20DispatcherTrait;
use super::mocks::{HiddenCallAccount, MockAccount};
use super::utils::{
    ADMIN, ALICE, CAP_GPU, Env, ONE, RELAYER, START, as_, assert_err, clear_events, deploy,
    deploy_account, find_event, fund, setup,
};

fn call(to: ContractAddress, selector: felt252, calldata: Array<felt252>) -> Call {
    Call { to, selector, calldata: calldata.span() }
}

fn outside(env: Env, nonce: felt252, calls: Array<Call>) -> OutsideExecution {
    OutsideExecution {
        caller: env.pm.contract_address,
        nonce,
        execute_after: 0,
        execute_before: 0xffffffffffff,
        calls: calls.span(),
    }
}

fn sig() -> Span<felt252> {
    array![1].span()
}

fn safe(env: Env) -> IPaymasterSafeDispatcher {
    IPaymasterSafeDispatcher { contract_address: env.pm.contract_address }
}

/// Relayer whitelisted, the mock account class allowed, pool.register_worker and
/// pool.claim_rewards allowlisted, one account.
fn env_with_account() -> (Env, ContractAddress) {
    let env = setup();
    as_(ADMIN());
    env.pm.add_relayer(RELAYER());
    env.pm.set_account_class(MockAccount::TEST_CLASS_HASH, true);
    env.pm.set_allowed_call(env.pool.contract_address, selector!("register_worker"), true);
    env.pm.set_allowed_call(env.pool.contract_address, selector!("claim_rewards"), true);
    (env, deploy_account('acc'))
}

fn register_call(env: Env) -> Call {
    call(env.pool.contract_address, selector!("register_worker"), array![CAP_GPU.into()])
}

#[test]
fn constructor_defaults() {
    let env = setup();
    assert_eq!(env.pm.get_tier(0), TierConfig { max_txs_per_period: 1000, period_seconds: 86400 });
    assert!(
        IAccessControlDispatcher { contract_address: env.pm.contract_address }
            .has_role(OPERATOR_ROLE, ADMIN()),
    );
    assert_eq!(env.pm.get_account(ALICE()).tier, 0);
    assert_eq!(env.pm.total_sponsored(), 0);
}

#[test]
fn sponsored_execution_runs_as_the_account() {
    let (env, acc) = env_with_account();
    let calls = array![register_call(env)];
    let mut encoded = array![];
    calls.span().serialize(ref encoded);
    clear_events(env.pm.contract_address);
    as_(RELAYER());
    let result = env.pm.execute_sponsored(acc, outside(env, 7, calls), sig());
    assert_eq!(result.len(), 1);
    assert!(env.pool.get_worker(acc).registered);
    let usage = env.pm.get_account(acc);
    assert_eq!(usage.txs_in_period, 1);
    assert_eq!(usage.total_sponsored, 1);
    assert_eq!(usage.period_start, START);
    assert_eq!(env.pm.total_sponsored(), 1);
    let data = find_event(env.pm.contract_address, selector!("SponsoredExecution")).unwrap();
    assert_eq!(data, array![7, poseidon_hash_span(encoded.span()), 0, 0, 0].span());
}

#[test]
#[feature("safe_dispatcher")]
fn execution_checks() {
    let (env, acc) = env_with_account();
    as_(ALICE());
    assert_err(
        safe(env).execute_sponsored(acc, outside(env, 1, array![register_call(env)]), sig()),
        'PM: caller not relayer',
    );
    as_(RELAYER());
    assert_err(safe(env).execute_sponsored(acc, outside(env, 1, array![]), sig()), 'PM: no calls');
    let slash = call(env.pool.contract_address, selector!("slash"), array![]);
    assert_err(
        safe(env).execute_sponsored(acc, outside(env, 1, array![register_call(env), slash]), sig()),
        'PM: call not allowed',
    );
    env.pm.execute_sponsored(acc, outside(env, 1, array![register_call(env)]), sig());
    let claim = call(env.pool.contract_address, selector!("claim_rewards"), array![]);
    assert_err(
        safe(env).execute_sponsored(acc, outside(env, 1, array![claim]), sig()),
        'PM: nonce already used',
    );
    as_(ADMIN());
    env.pm.set_blacklisted(acc, true);
    assert!(env.pm.is_blacklisted(acc));
    as_(RELAYER());
    assert_err(
        safe(env).execute_sponsored(acc, outside(env, 2, array![claim]), sig()),
        'PM: account blacklisted',
    );
    as_(ADMIN());
    IPausableDispatcher { contract_address: env.pm.contract_address }.pause();
    env.pm.remove_relayer(RELAYER());
    assert!(!env.pm.is_relayer(RELAYER()));
    as_(RELAYER());
    assert_err(
        safe(env).execute_sponsored(acc, outside(env, 2, array![claim]), sig()), 'PM: paused',
    );
}

#[test]
#[feature("safe_dispatcher")]
fn account_enforces_snip9_caller() {
    let (env, acc) = env_with_account();
    let mut oe = outside(env, 1, array![register_call(env)]);
    oe.caller = ALICE();
    as_(RELAYER());
    assert_err(safe(env).execute_sponsored(acc, oe, sig()), 'ACC: bad caller');
}

#[test]
#[feature("safe_dispatcher")]
fn quota_per_period_tier_and_override() {
    let (env, acc) = env_with_account();
    let claim = call(env.pool.contract_address, selector!("claim_rewards"), array![]);
    as_(ADMIN());
    env.pm.set_tier(0, 1, 100);
    env.pm.set_allowed_call(env.pool.contract_address, selector!("heartbeat"), true);
    let beat = call(env.pool.contract_address, selector!("heartbeat"), array![]);
    as_(RELAYER());
    env.pm.execute_sponsored(acc, outside(env, 1, array![register_call(env)]), sig());
    assert_err(
        safe(env).execute_sponsored(acc, outside(env, 2, array![claim]), sig()),
        'PM: quota exceeded',
    );
    set_block_timestamp(START + 100);
    env.pm.execute_sponsored(acc, outside(env, 2, array![beat]), sig());
    assert_eq!(env.pm.get_account(acc).period_start, START + 100);
    // A tier with max 0 sponsors nothing ...
    as_(ADMIN());
    env.pm.set_tier(9, 0, 1000);
    env.pm.set_account_tier(acc, 9);
    set_block_timestamp(START + 1100);
    as_(RELAYER());
    assert_err(
        safe(env).execute_sponsored(acc, outside(env, 3, array![beat]), sig()),
        'PM: quota exceeded',
    );
    // ... unless the account has its own allowance, which then caps the period.
    as_(ADMIN());
    env.pm.set_account_allowance(acc, 2);
    as_(RELAYER());
    env.pm.execute_sponsored(acc, outside(env, 3, array![beat]), sig());
    env.pm.execute_sponsored(acc, outside(env, 4, array![beat]), sig());
    assert_eq!(env.pm.get_account(acc).txs_in_period, 2);
    assert_err(
        safe(env).execute_sponsored(acc, outside(env, 5, array![beat]), sig()),
        'PM: quota exceeded',
    );
    assert_eq!(env.pm.get_account(acc).total_sponsored, 4);
}

#[test]
#[feature("safe_dispatcher")]
fn fee_mode_requires_final_fee_transfer() {
    let (env, acc) = env_with_account();
    let token = env.token.contract_address;
    let pm = env.pm.contract_address;
    fund(env, acc, 10 * ONE);
    let fee_call = |amount: felt252| {
        call(token, selector!("transfer"), array![pm.into(), amount, 0])
    };
    as_(RELAYER());
    let calls = array![register_call(env), fee_call(ONE.low.into())];
    assert_err(
        safe(env).execute_with_fee(acc, outside(env, 1, calls), sig(), token, ONE),
        'PM: fee token unsupported',
    );
    as_(ADMIN());
    env.pm.set_fee_token(token, true);
    assert!(env.pm.is_fee_token(token));
    as_(RELAYER());
    let wrong_order = array![fee_call(ONE.low.into()), register_call(env)];
    assert_err(
        safe(env).execute_with_fee(acc, outside(env, 1, wrong_order), sig(), token, ONE),
        'PM: last call not fee transfer',
    );
    let not_allowed = array![call(token, selector!("approve"), array![]), fee_call(1)];
    assert_err(
        safe(env).execute_with_fee(acc, outside(env, 1, not_allowed), sig(), token, ONE),
        'PM: call not allowed',
    );
    let underpaid = array![register_call(env), fee_call(ONE.low.into())];
    assert_err(
        safe(env).execute_with_fee(acc, outside(env, 1, underpaid), sig(), token, 2 * ONE),
        'PM: fee not paid',
    );
}

#[test]
#[feature("safe_dispatcher")]
fn fee_mode_collects_and_admin_withdraws() {
    let (env, acc) = env_with_account();
    let token = env.token.contract_address;
    let pm = env.pm.contract_address;
    fund(env, acc, 10 * ONE);
    as_(ADMIN());
    env.pm.set_fee_token(token, true);
    as_(RELAYER());
    let fee = call(token, selector!("transfer"), array![pm.into(), ONE.low.into(), 0]);
    clear_events(pm);
    let calls = array![register_call(env), fee];
    env.pm.execute_with_fee(acc, outside(env, 5, calls), sig(), token, ONE);
    assert_eq!(env.token.balance_of(pm), ONE);
    assert_eq!(env.pm.get_account(acc).txs_in_period, 0);
    assert_eq!(env.pm.get_account(acc).total_sponsored, 1);
    let data = find_event(pm, selector!("SponsoredExecution")).unwrap();
    assert_eq!(*data.at(2), token.into());
    assert_eq!(*data.at(3), ONE.low.into());
    as_(ALICE());
    assert_err(safe(env).withdraw_fees(token, ALICE(), ONE), 'AC: missing role');
    as_(ADMIN());
    env.pm.withdraw_fees(token, ALICE(), ONE);
    assert_eq!(env.token.balance_of(ALICE()), ONE);
    assert!(Zero::is_zero(@env.token.balance_of(pm)));
}

#[test]
fn worker_claims_rewards_gaslessly() {
    let (env, acc) = env_with_account();
    as_(RELAYER());
    env.pm.execute_sponsored(acc, outside(env, 1, array![register_call(env)]), sig());
    as_(ADMIN());
    env.token.approve(env.pool.contract_address, 3 * ONE);
    env.pool.credit_reward(acc, 3 * ONE);
    as_(RELAYER());
    let claim = call(env.pool.contract_address, selector!("claim_rewards"), array![]);
    let result = env.pm.execute_sponsored(acc, outside(env, 2, array![claim]), sig());
    assert_eq!(*result.at(0), array![(3 * ONE).low.into(), 0].span());
    assert_eq!(env.token.balance_of(acc), 3 * ONE);
    assert_eq!(env.pool.pending_rewards(acc), 0);
}

#[test]
#[feature("safe_dispatcher")]
fn only_allowed_account_classes_are_relayed() {
    let (env, acc) = env_with_account();
    let pm = env.pm.contract_address;
    let mock: ClassHash = MockAccount::TEST_CLASS_HASH;
    assert!(env.pm.is_account_class(mock));
    as_(ALICE());
    assert_err(safe(env).set_account_class(mock, false), 'AC: missing role');
    as_(ADMIN());
    clear_events(pm);
    env.pm.set_account_class(mock, false);
    let (keys, data) = pop_log_raw(pm).unwrap();
    assert_eq!(keys, array![selector!("AccountClassSet"), mock.into()].span());
    assert_eq!(data, array![0].span());
    assert!(!env.pm.is_account_class(mock));
    as_(RELAYER());
    let calls = array![register_call(env)];
    assert_err(
        safe(env).execute_sponsored(acc, outside(env, 1, calls.clone()), sig()),
        'PM: account class not allowed',
    );
    assert_err(
        safe(env).execute_with_fee(acc, outside(env, 1, calls.clone()), sig(), Zero::zero(), ONE),
        'PM: account class not allowed',
    );
    // An address without a contract reads as class 0.
    assert_err(
        safe(env).execute_sponsored(ALICE(), outside(env, 1, calls.clone()), sig()),
        'PM: account class not allowed',
    );
    // The blacklist is checked first.
    as_(ADMIN());
    env.pm.set_blacklisted(acc, true);
    as_(RELAYER());
    assert_err(
        safe(env).execute_sponsored(acc, outside(env, 1, calls.clone()), sig()),
        'PM: account blacklisted',
    );
    as_(ADMIN());
    env.pm.set_blacklisted(acc, false);
    env.pm.set_account_class(mock, true);
    assert!(env.pm.is_account_class(mock));
    as_(RELAYER());
    env.pm.execute_sponsored(acc, outside(env, 1, calls), sig());
    assert!(env.pool.get_worker(acc).registered);
}

#[test]
#[feature("safe_dispatcher")]
fn account_that_hides_its_calls_is_refused() {
    let (env, _) = env_with_account();
    let to_alice = array![ALICE().into(), 5, 0];
    let hidden = call(env.token.contract_address, selector!("transfer"), to_alice);
    let mut cd = array![];
    hidden.serialize(ref cd);
    let fake = deploy(HiddenCallAccount::TEST_CLASS_HASH, cd);
    fund(env, fake, 5);
    // The signed-looking payload is allowlisted; what the contract runs is not.
    let shown = array![register_call(env)];
    as_(RELAYER());
    assert_err(
        safe(env).execute_sponsored(fake, outside(env, 1, shown.clone()), sig()),
        'PM: account class not allowed',
    );
    assert_eq!(env.token.balance_of(ALICE()), 0);
    // Why the class check is needed: the call allowlist alone lets the hidden transfer through.
    as_(ADMIN());
    env.pm.set_account_class(HiddenCallAccount::TEST_CLASS_HASH, true);
    as_(RELAYER());
    env.pm.execute_sponsored(fake, outside(env, 1, shown), sig());
    assert_eq!(env.token.balance_of(ALICE()), 5);
}
