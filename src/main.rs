// A compiler allocates many small trees from two threads and frees them a chunk at a
// time; mimalloc does that far faster than the system allocator (see docs/PERFORMANCE.md).
// Built without transparent huge pages (`no_thp` in Cargo.toml): each 2 MiB page mimalloc
// asked for was zeroed and kept whole, a third of a 10,000-revision build's memory.
#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    #[cfg(not(feature = "system-alloc"))]
    purge::shorten();
    strata::cli::main()
}

/// How long mimalloc keeps memory the program freed before giving it back to the system.
///
/// mimalloc 3 waits 1 s; a large build lasts about that long, so everything the stream
/// lets go early (the load's lists, the texts and headers as their revisions go by) still
/// counts in the process's peak. 10 ms (mimalloc 2's default) took 6 to 8 MB off the
/// peak at 100,000 revisions at no cost measurable in time; 0 (give back at once) cost a
/// third more time, faulting the same pages in again.
#[cfg(not(feature = "system-alloc"))]
mod purge {
    use libmimalloc_sys::{mi_option_set_default, mi_option_t};

    /// `mi_option_purge_delay` in mimalloc 3's `mi_option_t` (include/mimalloc.h): the
    /// Rust bindings name no constant for it. A test checks it is the option that holds
    /// mimalloc's 1,000 ms default.
    const PURGE_DELAY: mi_option_t = 15;
    const MILLISECONDS: std::ffi::c_long = 10;

    /// mimalloc reads its options from the environment when the process loads, before
    /// `main`. A default changes only an option the environment did not set: one the
    /// user chose (`MIMALLOC_PURGE_DELAY`, its older name `MIMALLOC_RESET_DELAY`, in
    /// any case) stays as they chose it.
    pub fn shorten() {
        // SAFETY: setting an option's default is a store into mimalloc's option table,
        // valid at any time; the index is checked against mimalloc's default below.
        unsafe { mi_option_set_default(PURGE_DELAY, MILLISECONDS) }
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn the_purge_delay_is_the_option_it_names() {
            // Unless set in the environment, under either name, in any case, as
            // mimalloc reads it.
            let set = std::env::vars_os().any(|(name, _)| {
                let name = name.to_string_lossy().to_ascii_uppercase();
                name == "MIMALLOC_PURGE_DELAY" || name == "MIMALLOC_RESET_DELAY"
            });
            if set {
                return;
            }
            // SAFETY: reading an option is a load from mimalloc's option table.
            let value = unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) };
            assert_eq!(
                value, 1000,
                "mimalloc's default purge delay, in milliseconds"
            );
        }
    }
}
