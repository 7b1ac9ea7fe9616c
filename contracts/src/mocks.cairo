//! Stand-ins for third-party contracts the relay talks to, and a reverter for the attack tests;
//! deployed only on local chains.
pub mod pragma;
pub mod reverter;
