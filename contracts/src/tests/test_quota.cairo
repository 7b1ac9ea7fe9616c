use starknet::testing::set_block_timestamp;
use crate::paymaster::interface::{
    IPaymasterDispatcherTrait, IPaymasterSafeDispatcherTrait, TierConfig,
};
use super::paymaster_utils::{call, env_with_account, outside, register_call, safe, sig};
use super::utils::{ADMIN, RELAYER, START, as_, assert_err, clear_events, find_event, setup};

#[test]
#[feature("safe_dispatcher")]
fn a_tier_needs_a_period() {
    let env = setup();
    as_(ADMIN());
    assert_err(safe(env).set_tier(1, 10, 0), 'PM: tier period zero');
    // Not even to switch tier 0 off: max 0 over any period does that.
    assert_err(safe(env).set_tier(0, 0, 0), 'PM: tier period zero');
    env.pm.set_tier(0, 0, 1);
    assert_eq!(env.pm.get_tier(0), TierConfig { max_txs_per_period: 0, period_seconds: 1 });
}

#[test]
#[feature("safe_dispatcher")]
fn accounts_join_configured_tiers_only() {
    let (env, acc) = env_with_account();
    as_(ADMIN());
    // An unset tier reads as period 0: an account allowance there would never bind.
    assert_err(safe(env).set_account_tier(acc, 5), 'PM: tier not set');
    env.pm.set_tier(5, 3, 60);
    env.pm.set_account_tier(acc, 5);
    assert_eq!(env.pm.get_account(acc).tier, 5);
}

#[test]
#[feature("safe_dispatcher")]
fn an_explicit_zero_allowance_sponsors_nothing() {
    let (env, acc) = env_with_account();
    let beat = call(env.pool.contract_address, selector!("heartbeat"), array![]);
    as_(ADMIN());
    env.pm.set_allowed_call(env.pool.contract_address, selector!("heartbeat"), true);
    assert_eq!(env.pm.get_account(acc).allowance_override, None);
    clear_events(env.pm.contract_address);
    env.pm.set_account_allowance(acc, 0);
    let data = find_event(env.pm.contract_address, selector!("AccountAllowanceSet")).unwrap();
    assert_eq!(data, array![0].span());
    assert_eq!(env.pm.get_account(acc).allowance_override, Some(0));
    // Tier 0 allows 1000 a day, but the account's own 0 wins.
    as_(RELAYER());
    assert_err(
        safe(env).execute_sponsored(acc, outside(env, 1, array![register_call(env)]), sig()),
        'PM: quota exceeded',
    );
    // Clearing it hands the account back to its tier.
    as_(ADMIN());
    env.pm.clear_account_allowance(acc);
    assert!(find_event(env.pm.contract_address, selector!("AccountAllowanceCleared")).is_some());
    assert_eq!(env.pm.get_account(acc).allowance_override, None);
    as_(RELAYER());
    env.pm.execute_sponsored(acc, outside(env, 1, array![register_call(env)]), sig());
    env.pm.execute_sponsored(acc, outside(env, 2, array![beat]), sig());
    assert_eq!(env.pm.get_account(acc).txs_in_period, 2);
}

#[test]
#[feature("safe_dispatcher")]
fn an_allowance_counts_over_the_tier_period() {
    let (env, acc) = env_with_account();
    let beat = call(env.pool.contract_address, selector!("heartbeat"), array![]);
    as_(ADMIN());
    env.pm.set_allowed_call(env.pool.contract_address, selector!("heartbeat"), true);
    env.pm.set_tier(0, 0, 100);
    env.pm.set_account_allowance(acc, 1);
    as_(RELAYER());
    env.pm.execute_sponsored(acc, outside(env, 1, array![register_call(env)]), sig());
    set_block_timestamp(START + 99);
    assert_err(
        safe(env).execute_sponsored(acc, outside(env, 2, array![beat]), sig()),
        'PM: quota exceeded',
    );
    set_block_timestamp(START + 100);
    env.pm.execute_sponsored(acc, outside(env, 2, array![beat]), sig());
}

#[test]
#[feature("safe_dispatcher")]
fn clearing_an_allowance_is_operator_only() {
    let (env, acc) = env_with_account();
    as_(RELAYER());
    assert_err(safe(env).clear_account_allowance(acc), 'AC: missing role');
}

#[test]
#[feature("safe_dispatcher")]
fn quota_left_counts_as_the_next_transaction_will_be() {
    let (env, acc) = env_with_account();
    let beat = call(env.pool.contract_address, selector!("heartbeat"), array![]);
    as_(ADMIN());
    env.pm.set_allowed_call(env.pool.contract_address, selector!("heartbeat"), true);
    // The tier's default maximum, then the account's own allowance.
    assert_eq!(env.pm.quota_left(acc), 1000);
    env.pm.set_tier(0, 5, 100);
    env.pm.set_account_allowance(acc, 2);
    assert_eq!(env.pm.quota_left(acc), 2);
    as_(RELAYER());
    env.pm.execute_sponsored(acc, outside(env, 1, array![register_call(env)]), sig());
    assert_eq!(env.pm.quota_left(acc), 1);
    env.pm.execute_sponsored(acc, outside(env, 2, array![beat]), sig());
    assert_eq!(env.pm.quota_left(acc), 0);
    // A period that has ended counts as reset, as consume_quota counts it.
    set_block_timestamp(START + 100);
    assert_eq!(env.pm.quota_left(acc), 2);
    env.pm.execute_sponsored(acc, outside(env, 3, array![beat]), sig());
    // Lowered below what was used: nothing left, never an underflow.
    as_(ADMIN());
    env.pm.set_account_allowance(acc, 0);
    assert_eq!(env.pm.quota_left(acc), 0);
}
