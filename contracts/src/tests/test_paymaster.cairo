use core::poseidon::poseidon_hash_span;
use starknet::testing::set_block_timestamp;
use crate::access::{IAccessControlDispatcher, IAccessControlDispatcherTrait, OPERATOR_ROLE};
use crate::cdc_pool::ICdcPoolDispatcherTrait;
use crate::pausable::{IPausableDispatcher, IPausableDispatcherTrait};
use crate::paymaster::interface::{
    IPaymasterDispatcherTrait, IPaymasterSafeDispatcherTrait, TierConfig,
};
use crate::token::IERC20DispatcherTrait;
use super::mocks::MockAccount::{IMockSessionsDispatcher, IMockSessionsDispatcherTrait};
use super::paymaster_utils::{call, env_with_account, outside, register_call, safe, sig};
use super::utils::{
    ADMIN, ALICE, ONE, RELAYER, START, as_, assert_err, clear_events, deploy_account, find_event,
    setup,
};

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
fn an_account_revokes_its_own_session_key_without_an_allowlist_entry() {
    let (env, acc) = env_with_account();
    as_(RELAYER());
    let revoke = call(acc, selector!("revoke_session"), array![0x5e55]);
    env.pm.execute_sponsored(acc, outside(env, 1, array![revoke]), sig());
    assert!(IMockSessionsDispatcher { contract_address: acc }.is_session_revoked(0x5e55));
    // Only the sender's own revocation: another account's, or another call to itself, needs an entry.
    let other = deploy_account('other');
    let theirs = call(other, selector!("revoke_session"), array![1]);
    assert_err(
        safe(env).execute_sponsored(acc, outside(env, 2, array![theirs]), sig()),
        'PM: call not allowed',
    );
    let upgrade = call(acc, selector!("upgrade"), array![1]);
    assert_err(
        safe(env).execute_sponsored(acc, outside(env, 3, array![upgrade]), sig()),
        'PM: call not allowed',
    );
}
