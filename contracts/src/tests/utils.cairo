use starknet::syscalls::deploy_syscall;
use starknet::testing::{pop_log_raw, set_block_timestamp, set_contract_address};
use starknet::{ClassHash, ContractAddress, SyscallResultTrait};
use crate::access::{IAccessControlDispatcher, IAccessControlDispatcherTrait, JOB_MANAGER_ROLE};
use crate::cdc_pool::{CdcPool, ICdcPoolDispatcher, ICdcPoolDispatcherTrait};
use crate::job_mgr::{IJobMgrDispatcher, JobMgr};
use crate::paymaster::{IPaymasterDispatcher, Paymaster};
use crate::tests::mocks::MockAccount;
use crate::token::{CiroToken, IERC20Dispatcher, IERC20DispatcherTrait};

pub const ONE: u256 = 1_000_000_000_000_000_000;
pub const SUPPLY: u256 = 1_000_000 * ONE;
pub const MIN_STAKE: u256 = 100 * ONE;
pub const UNSTAKE_DELAY: u64 = 3600;
pub const HEARTBEAT_TIMEOUT: u64 = 600;
pub const JOB_TIMEOUT: u64 = 3600;
pub const START: u64 = 1_000_000;
pub const PRICE: u256 = 10 * ONE;
pub const CAP_GPU: u64 = 1;
pub const CAP_BIG: u64 = 2;

pub fn ADMIN() -> ContractAddress {
    'admin'.try_into().unwrap()
}
pub fn ALICE() -> ContractAddress {
    'alice'.try_into().unwrap()
}
pub fn BOB() -> ContractAddress {
    'bob'.try_into().unwrap()
}
pub fn RELAYER() -> ContractAddress {
    'relayer'.try_into().unwrap()
}

/// Makes `who` the caller of every following dispatcher call.
pub fn as_(who: ContractAddress) {
    set_contract_address(who);
}

pub fn deploy(class_hash: ClassHash, calldata: Array<felt252>) -> ContractAddress {
    let (address, _) = deploy_syscall(class_hash, 0, calldata.span(), false)
        .unwrap_syscall();
    address
}

#[derive(Drop, Copy)]
pub struct Env {
    pub token: IERC20Dispatcher,
    pub pool: ICdcPoolDispatcher,
    pub jobs: IJobMgrDispatcher,
    pub pm: IPaymasterDispatcher,
}

pub fn deploy_token() -> IERC20Dispatcher {
    let mut cd = array![];
    let name: ByteArray = "CIRO";
    name.serialize(ref cd);
    name.serialize(ref cd);
    18_u8.serialize(ref cd);
    SUPPLY.serialize(ref cd);
    ADMIN().serialize(ref cd);
    ADMIN().serialize(ref cd);
    IERC20Dispatcher { contract_address: deploy(CiroToken::TEST_CLASS_HASH, cd) }
}

pub fn setup() -> Env {
    set_block_timestamp(START);
    as_(ADMIN());
    let token = deploy_token();
    let mut cd = array![];
    (ADMIN(), token.contract_address, MIN_STAKE, UNSTAKE_DELAY, HEARTBEAT_TIMEOUT)
        .serialize(ref cd);
    let pool = ICdcPoolDispatcher { contract_address: deploy(CdcPool::TEST_CLASS_HASH, cd) };
    let mut cd = array![];
    (ADMIN(), token.contract_address, pool.contract_address, JOB_TIMEOUT).serialize(ref cd);
    let jobs = IJobMgrDispatcher { contract_address: deploy(JobMgr::TEST_CLASS_HASH, cd) };
    IAccessControlDispatcher { contract_address: pool.contract_address }
        .grant_role(JOB_MANAGER_ROLE, jobs.contract_address);
    let pm = IPaymasterDispatcher {
        contract_address: deploy(Paymaster::TEST_CLASS_HASH, array![ADMIN().into()]),
    };
    Env { token, pool, jobs, pm }
}

pub fn deploy_account(salt: felt252) -> ContractAddress {
    let (address, _) = deploy_syscall(
        MockAccount::TEST_CLASS_HASH, salt, array![].span(), false,
    )
        .unwrap_syscall();
    address
}

pub fn fund(env: Env, to: ContractAddress, amount: u256) {
    as_(ADMIN());
    env.token.transfer(to, amount);
}

/// Registers `worker` with `caps` and stakes exactly MIN_STAKE.
pub fn active_worker(env: Env, worker: ContractAddress, caps: u64) {
    fund(env, worker, MIN_STAKE);
    as_(worker);
    env.pool.register_worker(caps);
    env.token.approve(env.pool.contract_address, MIN_STAKE);
    env.pool.stake(MIN_STAKE);
}

pub fn clear_events(address: ContractAddress) {
    while let Some(_) = pop_log_raw(address) {}
}

/// Drops all queued events of `address` and reports whether one had `selector` as first key,
/// returning that event's data.
pub fn find_event(address: ContractAddress, selector: felt252) -> Option<Span<felt252>> {
    let mut found = None;
    while let Some((keys, data)) = pop_log_raw(address) {
        if found.is_none() && keys.len() > 0 && *keys.at(0) == selector {
            found = Some(data);
        }
    }
    found
}

pub fn assert_err<T, +Drop<T>>(result: Result<T, Array<felt252>>, expected: felt252) {
    match result {
        Ok(_) => panic!("expected revert {}", expected),
        Err(data) => assert_eq!(*data.at(0), expected),
    }
}
