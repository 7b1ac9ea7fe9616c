//! The job state machine of JobMgr. The entry points check pause state and roles (who may call at
//! all); each transition here checks the job's status and the caller's part in it, writes the new
//! state, moves the escrow and emits the matching event.
//!
//! Pending -> Assigned -> Completed | Expired | Disputed -> Completed | Refunded;
//! Pending -> Cancelled.

use core::cmp::min;
use core::num::traits::{SaturatingAdd, SaturatingSub, Zero};
use starknet::event::EventEmitter;
use starknet::storage::{
    MutableVecTrait, StorageMapReadAccess, StorageMapWriteAccess, StoragePath, StoragePathEntry,
    StoragePointerReadAccess, StoragePointerWriteAccess, Vec, VecTrait,
};
use starknet::{ContractAddress, get_block_timestamp, get_caller_address, get_contract_address};
use crate::cdc_pool::{ICdcPoolDispatcher, ICdcPoolDispatcherTrait};
use crate::token::{IERC20Dispatcher, IERC20DispatcherTrait};
use super::JobMgr::ContractState;
use super::events::{
    DisputeOpened, DisputeResolved, JobAssigned, JobCancelled, JobCompleted, JobExpired,
    JobSubmitted,
};
use super::paging::page_bounds;
use super::{Errors, Job, JobStatus, Model};

#[generate_trait]
pub(crate) impl JobLedgerImpl of JobLedgerTrait {
    fn pool(self: @ContractState) -> ICdcPoolDispatcher {
        ICdcPoolDispatcher { contract_address: self.cdc_pool.read() }
    }

    fn load_job(self: @ContractState, job_id: u64) -> Job {
        assert(job_id != 0 && job_id <= self.job_count.read(), Errors::UNKNOWN_JOB);
        self.jobs.read(job_id)
    }

    /// Records a pending job priced at the model's current price and escrows that price.
    fn create_job(
        ref self: ContractState, client: ContractAddress, model: Model, input_hash: felt252,
        timeout: u64,
    ) -> u64 {
        let id = self.job_count.read() + 1;
        self.job_count.write(id);
        let timeout = if timeout == 0 {
            self.default_timeout.read()
        } else {
            timeout
        };
        let job = Job {
            id,
            client,
            model_id: model.id,
            input_hash,
            result_hash: 0,
            worker: Zero::zero(),
            price: model.price,
            status: JobStatus::Pending,
            submitted_at: get_block_timestamp(),
            assigned_at: 0,
            deadline: 0,
            completed_at: 0,
            timeout,
            dispute_reason: 0,
        };
        self.jobs.write(id, job);
        self.client_jobs.entry(client).push(id);
        if model.price > 0 {
            let token = IERC20Dispatcher { contract_address: self.token.read() };
            let ok = token.transfer_from(client, get_contract_address(), model.price);
            assert(ok, Errors::TRANSFER_FAILED);
        }
        self.emit(JobSubmitted { job_id: id, client, model_id: model.id, price: model.price });
        id
    }

    /// The stored deadline plus the seconds JobMgr spent paused since the job was assigned, at most
    /// the job's own timeout: a pause stops completion, so it must not run the worker's clock down
    /// into a penalty, and a long pause must not hold the client's escrow for as long as it lasts.
    /// (A job already late when a pause began is given that time too; its client could have
    /// expired it.)
    fn effective_deadline(self: @ContractState, job: @Job, paused_seconds: u64) -> u64 {
        let credit = paused_seconds.saturating_sub(self.pause_base.read(*job.id));
        (*job.deadline).saturating_add(min(credit, *job.timeout))
    }

    /// effective_deadline of an assigned job, now; once settled or disputed nothing is judged
    /// against a deadline any more: the one set at assignment; 0 for a job never assigned.
    fn deadline_now(self: @ContractState, job_id: u64, paused_seconds: u64) -> u64 {
        let job = self.load_job(job_id);
        if job.status != JobStatus::Assigned {
            return job.deadline;
        }
        self.effective_deadline(@job, paused_seconds)
    }

    /// Starts the job's clock: the worker has `timeout` seconds from now to complete it.
    fn assign(ref self: ContractState, job_id: u64, worker: ContractAddress, paused_seconds: u64) {
        let job = self.load_job(job_id);
        assert(job.status == JobStatus::Pending, Errors::NOT_PENDING);
        let pool = self.pool();
        assert(pool.is_active_worker(worker), Errors::WORKER_NOT_ACTIVE);
        let requirements = self.models.entry(job.model_id).requirements.read();
        let capabilities = pool.get_worker(worker).capabilities;
        assert(capabilities & requirements == requirements, Errors::MISSING_CAPABILITIES);
        let now = get_block_timestamp();
        let deadline = now.saturating_add(job.timeout);
        let entry = self.jobs.entry(job_id);
        entry.worker.write(worker);
        entry.status.write(JobStatus::Assigned);
        entry.assigned_at.write(now);
        entry.deadline.write(deadline);
        self.pause_base.write(job_id, paused_seconds);
        self.worker_jobs.entry(worker).push(job_id);
        pool.job_assigned(worker);
        self.emit(JobAssigned { job_id, worker, deadline });
    }

    fn complete(ref self: ContractState, job_id: u64, result_hash: felt252, paused_seconds: u64) {
        let job = self.load_job(job_id);
        assert(get_caller_address() == job.worker, Errors::NOT_ASSIGNED_WORKER);
        assert(job.status == JobStatus::Assigned, Errors::NOT_ASSIGNED);
        let deadline = self.effective_deadline(@job, paused_seconds);
        assert(get_block_timestamp() <= deadline, Errors::DEADLINE_PASSED);
        assert(result_hash != 0, Errors::RESULT_HASH_ZERO);
        self.settle_to_worker(job, result_hash);
    }

    fn cancel(ref self: ContractState, job_id: u64) {
        let job = self.load_job(job_id);
        assert(get_caller_address() == job.client, Errors::NOT_CLIENT);
        assert(job.status == JobStatus::Pending, Errors::NOT_PENDING);
        self.refund(job, JobStatus::Cancelled);
        self.emit(JobCancelled { job_id, refund: job.price });
    }

    fn expire(ref self: ContractState, job_id: u64, paused_seconds: u64) {
        let job = self.load_job(job_id);
        let late = get_block_timestamp() > self.effective_deadline(@job, paused_seconds);
        let expired = job.status == JobStatus::Assigned && late;
        assert(expired, Errors::NOT_EXPIRED);
        self.refund(job, JobStatus::Expired);
        self.pool().record_job_outcome(job.worker, false);
        self.emit(JobExpired { job_id, refund: job.price });
    }

    fn dispute(ref self: ContractState, job_id: u64, reason: felt252, paused_seconds: u64) {
        let job = self.load_job(job_id);
        let caller = get_caller_address();
        assert(caller == job.client || caller == job.worker, Errors::NOT_PARTY);
        assert(job.status == JobStatus::Assigned, Errors::NOT_ASSIGNED);
        // Past its deadline a worker has nothing left to claim: a dispute would only block the
        // expiry and its penalty. The client may still dispute.
        let in_time = get_block_timestamp() <= self.effective_deadline(@job, paused_seconds);
        assert(caller == job.client || in_time, Errors::DEADLINE_PASSED);
        // Freezes the job: neither completion nor expiry can race the arbiter.
        let entry = self.jobs.entry(job_id);
        entry.status.write(JobStatus::Disputed);
        entry.dispute_reason.write(reason);
        self.emit(DisputeOpened { job_id, by: caller, reason });
    }

    fn resolve(ref self: ContractState, job_id: u64, pay_worker: bool, result_hash: felt252) {
        let job = self.load_job(job_id);
        assert(job.status == JobStatus::Disputed, Errors::NOT_DISPUTED);
        if pay_worker {
            self.settle_to_worker(job, result_hash);
        } else {
            self.jobs.entry(job_id).result_hash.write(result_hash);
            self.refund(job, JobStatus::Refunded);
            self.pool().record_job_outcome(job.worker, false);
        }
        self.emit(DisputeResolved { job_id, pay_worker, arbiter: get_caller_address() });
    }

    /// Pays the escrow into the pool as the worker's reward. Status is written before the
    /// external calls so a re-entrant call sees the job as already settled.
    fn settle_to_worker(ref self: ContractState, job: Job, result_hash: felt252) {
        let entry = self.jobs.entry(job.id);
        entry.status.write(JobStatus::Completed);
        entry.result_hash.write(result_hash);
        entry.completed_at.write(get_block_timestamp());
        let pool = self.pool();
        if job.price > 0 {
            let token = IERC20Dispatcher { contract_address: self.token.read() };
            assert(token.approve(pool.contract_address, job.price), Errors::TRANSFER_FAILED);
            pool.credit_reward(job.worker, job.price);
        }
        pool.record_job_outcome(job.worker, true);
        let payment = job.price;
        self.emit(JobCompleted { job_id: job.id, worker: job.worker, result_hash, payment });
    }

    /// Returns the escrow to the client, moving the job to its terminal `status` first for the
    /// same reason as above.
    fn refund(ref self: ContractState, job: Job, status: JobStatus) {
        self.jobs.entry(job.id).status.write(status);
        if job.price > 0 {
            let token = IERC20Dispatcher { contract_address: self.token.read() };
            assert(token.transfer(job.client, job.price), Errors::TRANSFER_FAILED);
        }
    }

    fn jobs_page(self: @ContractState, offset: u64, limit: u32) -> Array<Job> {
        let mut out = array![];
        let (start, end) = page_bounds(offset, limit, self.job_count.read());
        for i in start..end {
            out.append(self.jobs.read(i + 1));
        }
        out
    }
}

/// One page of a per-client or per-worker job index.
pub(crate) fn id_page(ids: StoragePath<Vec<u64>>, offset: u64, limit: u32) -> Array<u64> {
    let mut out = array![];
    let (start, end) = page_bounds(offset, limit, ids.len());
    for i in start..end {
        out.append(ids.at(i).read());
    }
    out
}
