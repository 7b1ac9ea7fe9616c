use starknet::testing::set_block_timestamp;
use crate::cdc_pool::interface::{
    ICdcPoolDispatcherTrait, ICdcPoolSafeDispatcher, ICdcPoolSafeDispatcherTrait,
};
use crate::pausable::{IPausableDispatcher, IPausableDispatcherTrait};
use crate::token::IERC20DispatcherTrait;
use super::utils::{
    ADMIN, ALICE, BOB, CAP_GPU, HEARTBEAT_TIMEOUT, MIN_STAKE, ONE, START, UNSTAKE_DELAY,
    active_worker, as_, assert_err, clear_events, find_event, fund, setup,
};

#[test]
#[feature("safe_dispatcher")]
fn register_and_list_workers() {
    let env = setup();
    as_(ALICE());
    env.pool.register_worker(CAP_GPU);
    let info = env.pool.get_worker(ALICE());
    assert!(info.registered);
    assert_eq!(info.reputation, 500);
    assert_eq!(info.capabilities, CAP_GPU);
    assert_eq!(info.registered_at, START);
    assert!(!env.pool.is_active_worker(ALICE()));
    let safe = ICdcPoolSafeDispatcher { contract_address: env.pool.contract_address };
    assert_err(safe.register_worker(CAP_GPU), 'CDC: already registered');
    as_(BOB());
    assert_err(safe.heartbeat(), 'CDC: not registered');
    assert_err(safe.stake(ONE), 'CDC: not registered');
    env.pool.register_worker(0);
    env.pool.update_capabilities(3);
    assert_eq!(env.pool.get_worker(BOB()).capabilities, 3);
    assert_eq!(env.pool.worker_count(), 2);
    assert_eq!(env.pool.get_workers(0, 10), array![ALICE(), BOB()]);
    assert_eq!(env.pool.get_workers(1, 10), array![BOB()]);
    assert_eq!(env.pool.get_workers(5, 10), array![]);
}

#[test]
#[feature("safe_dispatcher")]
fn stake_unstake_withdraw() {
    let env = setup();
    let safe = ICdcPoolSafeDispatcher { contract_address: env.pool.contract_address };
    active_worker(env, ALICE(), CAP_GPU);
    assert!(env.pool.is_active_worker(ALICE()));
    assert_err(safe.stake(0), 'CDC: amount zero');
    assert_err(safe.withdraw_unstaked(), 'CDC: nothing to withdraw');
    assert_err(safe.request_unstake(MIN_STAKE + 1), 'CDC: insufficient stake');
    env.pool.request_unstake(40 * ONE);
    assert!(!env.pool.is_active_worker(ALICE()));
    let info = env.pool.get_worker(ALICE());
    assert_eq!(info.staked, 60 * ONE);
    assert_eq!(info.pending_unstake, 40 * ONE);
    assert_eq!(info.unstake_available_at, START + UNSTAKE_DELAY);
    // A top-up restarts the timer.
    set_block_timestamp(START + 100);
    env.pool.request_unstake(10 * ONE);
    assert_eq!(env.pool.get_worker(ALICE()).unstake_available_at, START + 100 + UNSTAKE_DELAY);
    set_block_timestamp(START + UNSTAKE_DELAY);
    assert_err(safe.withdraw_unstaked(), 'CDC: unstake locked');
    set_block_timestamp(START + 100 + UNSTAKE_DELAY);
    assert_eq!(env.pool.withdraw_unstaked(), 50 * ONE);
    assert_eq!(env.token.balance_of(ALICE()), 50 * ONE);
    assert_eq!(env.pool.get_worker(ALICE()).pending_unstake, 0);
}

#[test]
#[feature("safe_dispatcher")]
fn slash_takes_stake_then_pending_and_pays_treasury() {
    let env = setup();
    let safe = ICdcPoolSafeDispatcher { contract_address: env.pool.contract_address };
    active_worker(env, ALICE(), CAP_GPU);
    as_(ALICE());
    env.pool.request_unstake(30 * ONE);
    as_(BOB());
    assert_err(safe.slash(ALICE(), ONE, 'fraud'), 'AC: missing role');
    as_(ADMIN());
    env.pool.set_treasury(BOB());
    assert_err(safe.slash(ALICE(), ONE, 0), 'CDC: reason required');
    clear_events(env.pool.contract_address);
    env.pool.slash(ALICE(), 80 * ONE, 'fraud');
    let info = env.pool.get_worker(ALICE());
    assert_eq!(info.staked, 0);
    assert_eq!(info.pending_unstake, 20 * ONE);
    assert_eq!(info.slashed_total, 80 * ONE);
    assert_eq!(info.reputation, 400);
    assert_eq!(env.token.balance_of(BOB()), 80 * ONE);
    // More than what is left: only the remainder is taken and reported.
    env.pool.slash(ALICE(), 1000 * ONE, 'fraud');
    assert_eq!(env.token.balance_of(BOB()), 100 * ONE);
    let info = env.pool.get_worker(ALICE());
    assert_eq!(info.pending_unstake, 0);
    assert_eq!(info.reputation, 300);
    let data = find_event(env.pool.contract_address, selector!("Slashed")).unwrap();
    assert_eq!(*data.at(0), (80 * ONE).low.into());
}

#[test]
#[feature("safe_dispatcher")]
fn reputation_bounds_and_job_outcomes() {
    let env = setup();
    as_(ALICE());
    env.pool.register_worker(CAP_GPU);
    let safe = ICdcPoolSafeDispatcher { contract_address: env.pool.contract_address };
    assert_err(safe.record_job_outcome(ALICE(), true), 'AC: missing role');
    as_(ADMIN());
    for _ in 0..60_u32 {
        env.pool.record_job_outcome(ALICE(), true);
    }
    let info = env.pool.get_worker(ALICE());
    assert_eq!(info.reputation, 1000);
    assert_eq!(info.jobs_completed, 60);
    for _ in 0..25_u32 {
        env.pool.record_job_outcome(ALICE(), false);
    }
    let info = env.pool.get_worker(ALICE());
    assert_eq!(info.reputation, 0);
    assert_eq!(info.jobs_failed, 25);
    assert_eq!(env.pool.get_reputation(ALICE()), 0);
}

#[test]
#[feature("safe_dispatcher")]
fn rewards_are_backed_and_claimable() {
    let env = setup();
    let safe = ICdcPoolSafeDispatcher { contract_address: env.pool.contract_address };
    as_(ALICE());
    env.pool.register_worker(CAP_GPU);
    assert_err(safe.claim_rewards(), 'CDC: no rewards');
    as_(ADMIN());
    assert_err(safe.credit_reward(BOB(), ONE), 'CDC: not registered');
    env.token.approve(env.pool.contract_address, 7 * ONE);
    env.pool.credit_reward(ALICE(), 7 * ONE);
    assert_eq!(env.pool.pending_rewards(ALICE()), 7 * ONE);
    assert_eq!(env.token.balance_of(env.pool.contract_address), 7 * ONE);
    as_(ALICE());
    assert_eq!(env.pool.claim_rewards(), 7 * ONE);
    assert_eq!(env.token.balance_of(ALICE()), 7 * ONE);
    let info = env.pool.get_worker(ALICE());
    assert_eq!(info.pending_rewards, 0);
    assert_eq!(info.total_claimed, 7 * ONE);
}

#[test]
fn online_follows_heartbeat_timeout() {
    let env = setup();
    active_worker(env, ALICE(), CAP_GPU);
    assert!(!env.pool.is_online(ALICE()));
    env.pool.heartbeat();
    assert!(env.pool.is_online(ALICE()));
    set_block_timestamp(START + HEARTBEAT_TIMEOUT + 1);
    assert!(!env.pool.is_online(ALICE()));
    as_(ADMIN());
    env.pool.set_heartbeat_timeout(0);
    assert!(env.pool.is_online(ALICE()));
    assert!(!env.pool.is_online(BOB()));
}

#[test]
#[feature("safe_dispatcher")]
fn pause_blocks_worker_calls() {
    let env = setup();
    fund(env, ALICE(), ONE);
    as_(ADMIN());
    IPausableDispatcher { contract_address: env.pool.contract_address }.pause();
    let safe = ICdcPoolSafeDispatcher { contract_address: env.pool.contract_address };
    as_(ALICE());
    assert_err(safe.register_worker(CAP_GPU), 'CDC: paused');
    assert_err(safe.stake(ONE), 'CDC: paused');
    assert_err(safe.claim_rewards(), 'CDC: paused');
}

#[test]
#[feature("safe_dispatcher")]
fn admin_config() {
    let env = setup();
    let safe = ICdcPoolSafeDispatcher { contract_address: env.pool.contract_address };
    as_(ALICE());
    assert_err(safe.set_min_stake(1), 'AC: missing role');
    as_(ADMIN());
    assert_eq!(env.pool.treasury(), ADMIN());
    assert_eq!(env.pool.token(), env.token.contract_address);
    env.pool.set_min_stake(5);
    env.pool.set_unstake_delay(7);
    assert_eq!(env.pool.min_stake(), 5);
    assert_eq!(env.pool.unstake_delay(), 7);
    assert_eq!(env.pool.heartbeat_timeout(), HEARTBEAT_TIMEOUT);
    assert!(find_event(env.pool.contract_address, selector!("ConfigUpdated")).is_some());
}
