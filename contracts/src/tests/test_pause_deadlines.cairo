//! A pause stops completion but never expiry: JobMgr gives an assigned job back the time a pause
//! took from its deadline, at most the job's own timeout (job_mgr/jobs.cairo effective_deadline).
use starknet::testing::set_block_timestamp;
use crate::job_mgr::interface::{
    IJobDeadlinesDispatcher, IJobDeadlinesDispatcherTrait, IJobMgrDispatcherTrait,
    IJobMgrSafeDispatcherTrait, JobStatus,
};
use crate::pausable::{IPausableDispatcher, IPausableDispatcherTrait};
use crate::token::IERC20DispatcherTrait;
use super::test_jobs::{safe, with_job};
use super::utils::{ADMIN, ALICE, BOB, JOB_TIMEOUT, ONE, START, as_, assert_err};

#[test]
#[feature("safe_dispatcher")]
fn a_pause_gives_back_the_time_it_took_from_a_deadline() {
    let (env, id) = with_job();
    let pausable = IPausableDispatcher { contract_address: env.jobs.contract_address };
    as_(ADMIN());
    pausable.pause(); // before the assignment: not the job's
    set_block_timestamp(START + 5);
    pausable.unpause();
    env.jobs.assign_job(id, ALICE()); // at START + 5: due at START + 5 + JOB_TIMEOUT
    // Two pauses of 20 s and 30 s, the second across the deadline: due 50 s later.
    set_block_timestamp(START + 10);
    pausable.pause();
    set_block_timestamp(START + 30);
    pausable.unpause();
    set_block_timestamp(START + JOB_TIMEOUT);
    pausable.pause();
    set_block_timestamp(START + JOB_TIMEOUT + 20); // past the stored deadline, in the pause
    as_(BOB());
    assert_err(safe(env).expire_job(id), 'JOB: not expired');
    as_(ADMIN());
    set_block_timestamp(START + JOB_TIMEOUT + 30);
    pausable.unpause();
    set_block_timestamp(START + 5 + JOB_TIMEOUT + 50);
    as_(BOB());
    assert_err(safe(env).expire_job(id), 'JOB: not expired');
    // One second later it is late, to the second: the pause before the assignment gave nothing.
    set_block_timestamp(START + 5 + JOB_TIMEOUT + 51);
    as_(ALICE());
    assert_err(safe(env).open_dispute(id, 'late'), 'JOB: deadline passed'); // its window moved too
    as_(BOB());
    env.jobs.expire_job(id);
    assert_eq!(env.jobs.get_job(id).status, JobStatus::Expired);
    // A job assigned after the pauses gets nothing from them, and expires on time.
    as_(BOB());
    let id2 = env.jobs.submit_job(1, 'in2', 0);
    as_(ADMIN());
    env.jobs.assign_job(id2, ALICE());
    set_block_timestamp(START + 5 + 2 * JOB_TIMEOUT + 52);
    as_(ALICE());
    assert_err(safe(env).complete_job(id2, 'late'), 'JOB: deadline passed');
    as_(BOB());
    env.jobs.expire_job(id2);
    assert_eq!(env.jobs.get_job(id2).status, JobStatus::Expired);
}

#[test]
#[feature("safe_dispatcher")]
fn a_long_pause_gives_back_at_most_the_job_timeout() {
    let (env, id) = with_job();
    as_(ADMIN());
    env.jobs.assign_job(id, ALICE()); // at START: due at START + JOB_TIMEOUT
    IPausableDispatcher { contract_address: env.jobs.contract_address }.pause();
    // Still paused long after: the client's escrow comes back once the timeout is given back twice.
    set_block_timestamp(START + 2 * JOB_TIMEOUT);
    as_(BOB());
    assert_err(safe(env).expire_job(id), 'JOB: not expired');
    set_block_timestamp(START + 2 * JOB_TIMEOUT + 1);
    env.jobs.expire_job(id);
    assert_eq!(env.token.balance_of(BOB()), 100 * ONE);
}

#[test]
fn a_pause_at_timestamp_zero_counts() {
    let (env, id) = with_job();
    set_block_timestamp(0);
    as_(ADMIN());
    env.jobs.assign_job(id, ALICE()); // due at JOB_TIMEOUT
    let pausable = IPausableDispatcher { contract_address: env.jobs.contract_address };
    pausable.pause();
    set_block_timestamp(100);
    pausable.unpause();
    set_block_timestamp(JOB_TIMEOUT + 100);
    as_(ALICE());
    env.jobs.complete_job(id, 'out');
    assert_eq!(env.jobs.get_job(id).status, JobStatus::Completed);
}

#[test]
#[feature("safe_dispatcher")]
fn job_deadline_is_the_deadline_enforced_now() {
    let (env, id) = with_job();
    let deadlines = IJobDeadlinesDispatcher { contract_address: env.jobs.contract_address };
    assert_eq!(deadlines.job_deadline(id), 0); // never assigned
    as_(ADMIN());
    env.jobs.assign_job(id, ALICE()); // at START
    assert_eq!(deadlines.job_deadline(id), START + JOB_TIMEOUT);
    let pausable = IPausableDispatcher { contract_address: env.jobs.contract_address };
    set_block_timestamp(START + 10);
    pausable.pause();
    set_block_timestamp(START + 25);
    assert_eq!(deadlines.job_deadline(id), START + JOB_TIMEOUT + 15); // the pause counts as it runs
    pausable.unpause();
    set_block_timestamp(START + JOB_TIMEOUT + 15);
    assert_eq!(env.jobs.get_job(id).deadline, START + JOB_TIMEOUT); // what get_job shows stays
    as_(BOB());
    assert_err(safe(env).expire_job(id), 'JOB: not expired'); // due to the second job_deadline said
    set_block_timestamp(START + JOB_TIMEOUT + 16);
    env.jobs.expire_job(id);
    assert_eq!(env.jobs.get_job(id).status, JobStatus::Expired);
    // Settled: a later pause moves nothing, the deadline set at assignment is reported.
    as_(ADMIN());
    pausable.pause();
    set_block_timestamp(START + JOB_TIMEOUT + 60);
    assert_eq!(deadlines.job_deadline(id), START + JOB_TIMEOUT);
}
