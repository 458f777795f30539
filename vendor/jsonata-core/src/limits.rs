//! nexus patch (PATCHED.md): the longest string one evaluation may build, and the memory it
//! may hold.
//!
//! `EvaluatorOptions::max_string_length` bounds every string the evaluator builds: `&`, `$join`,
//! `$string` and the other stringifications, `$replace`, and (after the fact) the result of
//! every node. The limit is checked BEFORE the big allocation where the size is known up front
//! (`&`, `$join`, `$replace`, the stringifier as it writes), so `$s & $s` doubled forty times
//! or `$join` of a million references to one long string fails with U1004 instead of
//! exhausting memory. Builtins whose result is at most a few times their input (`$uppercase`,
//! `$base64encode`, ...) are caught by the per-node check on their result.
//!
//! `EvaluatorOptions::max_memory_bytes` bounds what the evaluation holds at once, where a
//! program installs [`CountingAllocator`] as its global allocator: bounded strings and
//! sequences still multiply (`[1..100000].($s & $)` builds 100,000 strings of a megabyte, a
//! step at a time), so every node and every loop iteration compares the bytes this thread
//! allocated (minus those it freed) since the evaluation began with the limit (U1005).
//! Without the counting allocator the count stays 0 and only the other limits hold.
//!
//! The limits live in thread-locals for the duration of [`crate::evaluator::Evaluator::evaluate`]
//! because the string functions take no options; `JValue` is `!Send`, so an evaluation never
//! leaves its thread.

use std::cell::Cell;

thread_local! {
    static MAX_STRING_LENGTH: Cell<Option<usize>> = const { Cell::new(None) };
    /// Bytes allocated minus bytes freed on this thread, by [`CountingAllocator`].
    static NET_ALLOCATED: Cell<isize> = const { Cell::new(0) };
    /// The count when the current evaluation began, and its memory limit.
    static MEMORY_LIMIT: Cell<Option<(isize, usize)>> = const { Cell::new(None) };
}

/// Restores the previous limits when the evaluation that set them ends (an evaluation may run
/// inside another's host function).
pub(crate) struct LimitGuard {
    string: Option<usize>,
    memory: Option<(isize, usize)>,
}

impl Drop for LimitGuard {
    fn drop(&mut self) {
        MAX_STRING_LENGTH.with(|m| m.set(self.string));
        MEMORY_LIMIT.with(|m| m.set(self.memory));
    }
}

/// Makes `string` (bytes of UTF-8) the string limit and `memory` (bytes) the memory limit,
/// counted from now, until the guard drops.
pub(crate) fn enter(string: Option<usize>, memory: Option<usize>) -> LimitGuard {
    let memory = memory.map(|max| (net_allocated(), max));
    LimitGuard {
        string: MAX_STRING_LENGTH.with(|m| m.replace(string)),
        memory: MEMORY_LIMIT.with(|m| m.replace(memory)),
    }
}

/// The bytes this thread has allocated and not freed, as far as [`CountingAllocator`] saw
/// (0 where it is not the global allocator). Memory freed on another thread is not subtracted.
pub fn net_allocated() -> isize {
    NET_ALLOCATED.try_with(Cell::get).unwrap_or(0)
}

/// U1005 once the evaluation holds more than its memory limit.
#[inline]
pub(crate) fn check_memory() -> Result<(), crate::evaluator::EvaluatorError> {
    if let Some((start, max)) = MEMORY_LIMIT.with(Cell::get) {
        let held = net_allocated().wrapping_sub(start);
        if held > 0 && held as usize > max {
            return Err(crate::evaluator::EvaluatorError::EvaluationError(format!(
                "U1005: The evaluation used more than its memory limit of {max} bytes."
            )));
        }
    }
    Ok(())
}

fn count(delta: isize) {
    // `try_with`: the allocator may run while the thread's locals are being torn down.
    let _ = NET_ALLOCATED.try_with(|n| n.set(n.get().wrapping_add(delta)));
}

/// A global allocator that counts, per thread, the bytes allocated minus the bytes freed, for
/// `EvaluatorOptions::max_memory_bytes`; `A` does the allocating:
///
/// ```ignore
/// #[global_allocator]
/// static ALLOCATOR: CountingAllocator<std::alloc::System> = CountingAllocator(std::alloc::System);
/// ```
pub struct CountingAllocator<A>(pub A);

// SAFETY: every method forwards to `A` with the caller's arguments unchanged and only adds
// to a thread-local counter (const-initialised, no destructor, so touching it never allocates).
unsafe impl<A: std::alloc::GlobalAlloc> std::alloc::GlobalAlloc for CountingAllocator<A> {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: forwarded as received.
        let p = unsafe { self.0.alloc(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: forwarded as received.
        let p = unsafe { self.0.alloc_zeroed(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: forwarded as received.
        unsafe { self.0.dealloc(ptr, layout) };
        count(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as received.
        let p = unsafe { self.0.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            count((new_size as isize).wrapping_sub(layout.size() as isize));
        }
        p
    }
}

/// The error when a string of `len` bytes is over the limit, `None` when it fits (or no
/// limit is set).
pub(crate) fn string_too_long(len: usize) -> Option<String> {
    let max = MAX_STRING_LENGTH.with(Cell::get)?;
    (len > max).then(|| {
        format!(
            "U1004: The maximum string length of {max} bytes was exceeded (the string would have {len} bytes)."
        )
    })
}

/// Whether `e` is the string limit's error (callers that map other errors to their own must
/// pass this one on).
pub(crate) fn is_string_limit(e: &crate::functions::FunctionError) -> bool {
    matches!(e, crate::functions::FunctionError::RuntimeError(m) if m.starts_with("U1004:"))
}

/// [`string_too_long`] as a function error.
pub(crate) fn check_string_length(len: usize) -> Result<(), crate::functions::FunctionError> {
    match string_too_long(len) {
        Some(message) => Err(crate::functions::FunctionError::RuntimeError(message)),
        None => Ok(()),
    }
}
