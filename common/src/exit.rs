//! Process exit codes shared by every tool (Terraform's convention).

/// Success; with `--detailed-exitcode`, success and no changes.
pub const SUCCESS: u8 = 0;
/// Any error: bad input, unreachable service, refused or failed apply.
pub const ERROR: u8 = 1;
/// With `--detailed-exitcode`: success and the plan has changes.
pub const CHANGES: u8 = 2;
