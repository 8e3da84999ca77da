#pragma once
/// An undo record for a change to an HDF5 file's structure. HDF5 (1.10, without SWMR) rewrites its
/// metadata in place and in no safe order, so a process killed while it adds attributes or removes
/// a group may leave a file nothing can open; when the file holds hours of raw data (a partial
/// ensemble, setup/ensemble_output.hpp), that must not cost the data. A change that neither moves
/// nor frees the storage of the large datasets (it adds objects and attributes, unlinks others)
/// touches only the bytes outside that storage: it rewrites metadata in place, may reuse the space
/// of what it unlinks, appends, or truncates space freed at the end. Saving those bytes and the
/// file's size before the change is therefore enough to undo it: restoring them gives back the
/// file as it was, byte for byte, whatever part of the change had reached the disk.
#include <string>
#include <vector>

namespace neurode::io {

/// Saves to `journal` the size of the HDF5 file `file` and every byte of it outside the storage of
/// `raw_datasets` (their raw data, which the change must neither rewrite nor free: typically the
/// large ones; the raw data of datasets the change unlinks must be saved, so not listed).
/// Written under a temporary name, synced and renamed: a journal is there complete or not at all.
/// Throws OutputError when it cannot be written, Hdf5Error when `file` cannot be read.
void save_metadata_journal(const std::string& file, const std::vector<std::string>& raw_datasets,
                           const std::string& journal);

/// Puts back the bytes `journal` saved and cuts or extends `file` to the saved size, then syncs it:
/// the file as it was when the journal was saved. Throws Hdf5Error for a journal that is not one,
/// or not of this file (one too short to hold the raw data left out), OutputError when the file
/// cannot be written.
void restore_metadata_journal(const std::string& file, const std::string& journal);

}  // namespace neurode::io
