//! Applying a series to a tree directory (file-system side of the apply engine).
