mod mocks;
mod test_access;
mod test_jobs;
mod test_paymaster;
mod test_pool;
mod test_token;
mod utils;
