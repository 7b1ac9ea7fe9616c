//! Job state transitions and escrow movements for JobMgr. The entrypoints check who may act and
//! in which status; these helpers write the new state, move tokens and emit the matching event.

use core::num::traits::{SaturatingAdd, Zero};
use starknet::event::EventEmitter;
use starknet::storage::{
    MutableVecTrait, StorageMapReadAccess, StorageMapWriteAccess, StoragePath, StoragePathEntry,
    StoragePointerReadAccess, StoragePointerWriteAccess, Vec, VecTrait,
};
use starknet::{ContractAddress, get_block_timestamp, get_contract_address};
use crate::cdc_pool::{ICdcPoolDispatcher, ICdcPoolDispatcherTrait};
use crate::token::{IERC20Dispatcher, IERC20DispatcherTrait};
use super::JobMgr::ContractState;
use super::events::{JobAssigned, JobCompleted, JobSubmitted};
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

    /// Starts the job's clock: the worker has `timeout` seconds from now to complete it.
    fn assign_to(ref self: ContractState, job: Job, worker: ContractAddress) {
        let now = get_block_timestamp();
        let deadline = now.saturating_add(job.timeout);
        let entry = self.jobs.entry(job.id);
        entry.worker.write(worker);
        entry.status.write(JobStatus::Assigned);
        entry.assigned_at.write(now);
        entry.deadline.write(deadline);
        self.worker_jobs.entry(worker).push(job.id);
        self.emit(JobAssigned { job_id: job.id, worker, deadline });
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
        self
            .emit(
                JobCompleted {
                    job_id: job.id, worker: job.worker, result_hash, payment: job.price,
                },
            );
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
