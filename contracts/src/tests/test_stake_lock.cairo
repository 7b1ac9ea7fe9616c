//! A worker's stake answers for the jobs assigned to it: no withdrawal while one is open, and a
//! failed one leaves a slasher an unstake delay to act.
use starknet::testing::set_block_timestamp;
use crate::cdc_pool::{
    ICdcPoolDispatcherTrait, ICdcPoolSafeDispatcher, ICdcPoolSafeDispatcherTrait,
    IPoolJobsDispatcher, IPoolJobsDispatcherTrait,
};
use crate::job_mgr::interface::IJobMgrDispatcherTrait;
use crate::token::IERC20DispatcherTrait;
use super::test_jobs::with_job;
use super::utils::{ADMIN, ALICE, BOB, MIN_STAKE, START, UNSTAKE_DELAY, as_, assert_err};

#[test]
#[feature("safe_dispatcher")]
fn stake_answers_for_an_assigned_job_until_its_outcome() {
    let (env, _) = with_job();
    let pool = ICdcPoolSafeDispatcher { contract_address: env.pool.contract_address };
    // A job longer than the unstake delay; the worker asks for its whole stake back at once.
    as_(BOB());
    let id = env.jobs.submit_job(1, 'long', 3 * UNSTAKE_DELAY);
    let jobs = IPoolJobsDispatcher { contract_address: env.pool.contract_address };
    assert_eq!(jobs.open_jobs(ALICE()), 0);
    as_(ADMIN());
    env.jobs.assign_job(id, ALICE());
    assert_eq!(jobs.open_jobs(ALICE()), 1);
    as_(ALICE());
    env.pool.request_unstake(MIN_STAKE);
    set_block_timestamp(START + UNSTAKE_DELAY);
    assert_err(pool.withdraw_unstaked(), 'CDC: jobs open');
    // The job fails: a slasher gets one more unstake delay, and finds the stake still there.
    set_block_timestamp(START + 3 * UNSTAKE_DELAY + 1);
    as_(BOB());
    env.jobs.expire_job(id);
    assert_eq!(jobs.open_jobs(ALICE()), 0);
    as_(ALICE());
    assert_err(pool.withdraw_unstaked(), 'CDC: unstake locked');
    as_(ADMIN());
    env.pool.set_treasury(BOB());
    let before = env.token.balance_of(BOB());
    env.pool.slash(ALICE(), MIN_STAKE, 'missed deadline');
    assert_eq!(env.token.balance_of(BOB()) - before, MIN_STAKE);
    set_block_timestamp(START + 4 * UNSTAKE_DELAY + 2);
    as_(ALICE());
    assert_err(pool.withdraw_unstaked(), 'CDC: nothing to withdraw');
}

#[test]
fn a_completed_job_frees_the_stake_on_the_usual_delay() {
    let (env, id) = with_job();
    as_(ADMIN());
    env.jobs.assign_job(id, ALICE());
    as_(ALICE());
    env.pool.request_unstake(MIN_STAKE);
    env.jobs.complete_job(id, 'out');
    set_block_timestamp(START + UNSTAKE_DELAY);
    assert_eq!(env.pool.withdraw_unstaked(), MIN_STAKE);
}
