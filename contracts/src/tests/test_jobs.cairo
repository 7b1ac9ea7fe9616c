use starknet::testing::set_block_timestamp;
use crate::cdc_pool::ICdcPoolDispatcherTrait;
use crate::job_mgr::interface::{
    IJobMgrDispatcherTrait, IJobMgrSafeDispatcher, IJobMgrSafeDispatcherTrait, JobStatus,
};
use crate::pausable::{IPausableDispatcher, IPausableDispatcherTrait};
use crate::token::IERC20DispatcherTrait;
use super::utils::{
    ADMIN, ALICE, BOB, CAP_BIG, CAP_GPU, Env, JOB_TIMEOUT, ONE, PRICE, START, active_worker, as_,
    assert_err, clear_events, find_event, fund, setup,
};

const MODEL_HASH: felt252 = 'llama';

/// Model 1 (needs CAP_GPU), Alice an active GPU worker, Bob a funded client with one job.
pub(crate) fn with_job() -> (Env, u64) {
    let env = setup();
    as_(ADMIN());
    env.jobs.register_model(MODEL_HASH, CAP_GPU, PRICE);
    active_worker(env, ALICE(), CAP_GPU);
    fund(env, BOB(), 100 * ONE);
    as_(BOB());
    env.token.approve(env.jobs.contract_address, 100 * ONE);
    let id = env.jobs.submit_job(1, 'input', 0);
    (env, id)
}

pub(crate) fn safe(env: Env) -> IJobMgrSafeDispatcher {
    IJobMgrSafeDispatcher { contract_address: env.jobs.contract_address }
}

#[test]
#[feature("safe_dispatcher")]
fn model_registry() {
    let env = setup();
    as_(ALICE());
    assert_err(safe(env).register_model(MODEL_HASH, 0, PRICE), 'AC: missing role');
    as_(ADMIN());
    assert_err(safe(env).register_model(0, 0, PRICE), 'JOB: model hash zero');
    assert_eq!(env.jobs.register_model(MODEL_HASH, CAP_GPU, PRICE), 1);
    assert_eq!(env.jobs.register_model('other', 0, 0), 2);
    env.jobs.update_model(2, 'other2', CAP_BIG, ONE);
    let m = env.jobs.get_model(2);
    assert_eq!(m.model_hash, 'other2');
    assert_eq!(m.price, ONE);
    assert!(m.active);
    assert_err(safe(env).update_model(3, 'x', 0, 0), 'JOB: unknown model');
    env.jobs.deactivate_model(2);
    assert_err(safe(env).deactivate_model(2), 'JOB: model inactive');
    assert_eq!(env.jobs.model_count(), 2);
    let models = env.jobs.get_models(0, 200);
    assert_eq!(models.len(), 2);
    assert_eq!(*models.at(1).active, false);
    assert_err(safe(env).submit_job(2, 'in', 0), 'JOB: model inactive');
    assert_err(safe(env).submit_job(9, 'in', 0), 'JOB: unknown model');
}

#[test]
#[feature("safe_dispatcher")]
fn happy_path_pays_worker_through_pool() {
    let (env, id) = with_job();
    let job = env.jobs.get_job(id);
    assert_eq!(job.status, JobStatus::Pending);
    assert_eq!(job.client, BOB());
    assert_eq!(job.timeout, JOB_TIMEOUT);
    assert_eq!(env.token.balance_of(env.jobs.contract_address), PRICE);
    as_(BOB());
    assert_err(safe(env).assign_job(id, ALICE()), 'AC: missing role');
    as_(ADMIN());
    assert_err(safe(env).assign_job(id, BOB()), 'JOB: worker not active');
    assert_err(safe(env).assign_job(5, ALICE()), 'JOB: unknown job');
    env.jobs.assign_job(id, ALICE());
    assert_err(safe(env).assign_job(id, ALICE()), 'JOB: not pending');
    let job = env.jobs.get_job(id);
    assert_eq!(job.deadline, START + JOB_TIMEOUT);
    assert_eq!(job.status, JobStatus::Assigned);
    as_(BOB());
    assert_err(safe(env).complete_job(id, 'out'), 'JOB: not assigned worker');
    as_(ALICE());
    assert_err(safe(env).complete_job(id, 0), 'JOB: result hash zero');
    clear_events(env.jobs.contract_address);
    env.jobs.complete_job(id, 'out');
    assert!(find_event(env.jobs.contract_address, selector!("JobCompleted")).is_some());
    let job = env.jobs.get_job(id);
    assert_eq!(job.status, JobStatus::Completed);
    assert_eq!(job.result_hash, 'out');
    assert_eq!(job.completed_at, START);
    assert_eq!(env.pool.pending_rewards(ALICE()), PRICE);
    assert_eq!(env.pool.get_reputation(ALICE()), 510);
    assert_eq!(env.token.balance_of(env.jobs.contract_address), 0);
    assert_err(safe(env).complete_job(id, 'out'), 'JOB: not assigned');
    assert_eq!(env.jobs.get_worker_jobs(ALICE(), 0, 10), array![id]);
    assert_eq!(env.jobs.get_client_jobs(BOB(), 0, 10), array![id]);
    assert_eq!(env.jobs.get_jobs(0, 10).len(), 1);
}

#[test]
#[feature("safe_dispatcher")]
fn capabilities_must_cover_requirements() {
    let (env, _) = with_job();
    as_(ADMIN());
    env.jobs.register_model('big', CAP_GPU | CAP_BIG, PRICE);
    as_(BOB());
    let id = env.jobs.submit_job(2, 'in', 0);
    as_(ADMIN());
    assert_err(safe(env).assign_job(id, ALICE()), 'JOB: missing capabilities');
}

#[test]
#[feature("safe_dispatcher")]
fn cancel_refunds_pending_only() {
    let (env, id) = with_job();
    as_(ALICE());
    assert_err(safe(env).cancel_job(id), 'JOB: not client');
    as_(BOB());
    env.jobs.cancel_job(id);
    assert_eq!(env.token.balance_of(BOB()), 100 * ONE);
    assert_eq!(env.jobs.get_job(id).status, JobStatus::Cancelled);
    assert_err(safe(env).cancel_job(id), 'JOB: not pending');
}

#[test]
#[feature("safe_dispatcher")]
fn expiry_refunds_and_penalises() {
    let (env, id) = with_job();
    as_(ADMIN());
    env.jobs.assign_job(id, ALICE());
    as_(BOB());
    assert_err(safe(env).expire_job(id), 'JOB: not expired');
    set_block_timestamp(START + JOB_TIMEOUT + 1);
    as_(ALICE());
    assert_err(safe(env).complete_job(id, 'late'), 'JOB: deadline passed');
    env.jobs.expire_job(id);
    assert_eq!(env.jobs.get_job(id).status, JobStatus::Expired);
    assert_eq!(env.token.balance_of(BOB()), 100 * ONE);
    assert_eq!(env.pool.get_reputation(ALICE()), 450);
    assert_eq!(env.pool.get_worker(ALICE()).jobs_failed, 1);
}

#[test]
#[feature("safe_dispatcher")]
fn disputes() {
    let (env, id) = with_job();
    as_(ALICE());
    assert_err(safe(env).open_dispute(id, 'bad'), 'JOB: not party');
    as_(BOB());
    assert_err(safe(env).open_dispute(id, 'bad'), 'JOB: not assigned');
    as_(ADMIN());
    assert_err(safe(env).resolve_dispute(id, true, 'r'), 'JOB: not disputed');
    env.jobs.assign_job(id, ALICE());
    as_(BOB());
    env.jobs.open_dispute(id, 'bad');
    let job = env.jobs.get_job(id);
    assert_eq!(job.status, JobStatus::Disputed);
    assert_eq!(job.dispute_reason, 'bad');
    as_(BOB());
    assert_err(safe(env).resolve_dispute(id, false, 0), 'AC: missing role');
    as_(ADMIN());
    env.jobs.resolve_dispute(id, false, 0);
    assert_eq!(env.jobs.get_job(id).status, JobStatus::Refunded);
    assert_eq!(env.token.balance_of(BOB()), 100 * ONE);
    assert_eq!(env.pool.get_reputation(ALICE()), 450);

    // Second job: the worker disputes and wins.
    as_(BOB());
    let id2 = env.jobs.submit_job(1, 'in2', 10);
    as_(ADMIN());
    env.jobs.assign_job(id2, ALICE());
    assert_eq!(env.jobs.get_job(id2).deadline, START + 10);
    as_(ALICE());
    env.jobs.open_dispute(id2, 'client stalls');
    as_(ADMIN());
    env.jobs.resolve_dispute(id2, true, 'res');
    let job = env.jobs.get_job(id2);
    assert_eq!(job.status, JobStatus::Completed);
    assert_eq!(job.result_hash, 'res');
    assert_eq!(env.pool.pending_rewards(ALICE()), PRICE);
}

#[test]
#[feature("safe_dispatcher")]
fn pause_blocks_submit_assign_complete() {
    let (env, id) = with_job();
    as_(ADMIN());
    env.jobs.assign_job(id, ALICE());
    IPausableDispatcher { contract_address: env.jobs.contract_address }.pause();
    assert_err(safe(env).assign_job(id, ALICE()), 'JOB: paused');
    as_(BOB());
    assert_err(safe(env).submit_job(1, 'in', 0), 'JOB: paused');
    as_(ALICE());
    assert_err(safe(env).complete_job(id, 'out'), 'JOB: paused');
    // Disputes still work while paused so funds are never stuck.
    env.jobs.open_dispute(id, 'paused');
}

#[test]
#[feature("safe_dispatcher")]
fn worker_cannot_dispute_past_its_deadline_to_block_expiry() {
    let (env, id) = with_job();
    as_(ADMIN());
    env.jobs.assign_job(id, ALICE());
    set_block_timestamp(START + JOB_TIMEOUT + 1);
    as_(ALICE());
    assert_err(safe(env).open_dispute(id, 'stall'), 'JOB: deadline passed');
    as_(BOB());
    env.jobs.expire_job(id);
    assert_eq!(env.token.balance_of(BOB()), 100 * ONE);
    assert_eq!(env.pool.get_reputation(ALICE()), 450);
    // The client may dispute a late job.
    let id2 = env.jobs.submit_job(1, 'in2', 0);
    as_(ADMIN());
    env.jobs.assign_job(id2, ALICE());
    set_block_timestamp(START + 2 * JOB_TIMEOUT + 2);
    as_(BOB());
    env.jobs.open_dispute(id2, 'late');
    assert_eq!(env.jobs.get_job(id2).status, JobStatus::Disputed);
}
