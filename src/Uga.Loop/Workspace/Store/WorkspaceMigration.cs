using Uga.Imaging;

namespace Uga.Loop.Workspace.Store;

/// <summary>
/// Moves a round-1 workspace (workspace.json + each round's candidates.csv) into a store, once. The store is built
/// under a temporary name and renamed into place, so an interrupted migration is simply done again next time; the
/// JSON file stays as it was (older Uga versions can still read it, and it documents what was migrated).
/// </summary>
public static class WorkspaceMigration
{
    public static void FromJson(string root, string jsonPath, string dbPath)
    {
        var manifest = WorkspaceManifest.Read(jsonPath);
        AtomicFile.Write(dbPath, tmp =>
        {
            using var store = SqliteWorkspaceStore.Create(tmp);
            store.Initialise(manifest.Source, manifest.Versions[0]);
            foreach (var v in manifest.Versions.Skip(1)) store.AddVersion(v);
            foreach (var round in manifest.Rounds)
            {
                var rows = round.CandidatesFile is { } csv && File.Exists(Path.Combine(root, csv))
                    ? CandidateRegions.ReadCsv(Path.Combine(root, csv))
                        .Select(r => new StoredCandidate(0, round.Id, r.Slide, r.Rank, r.Level0, r.Level0SpacingUm) { ModelVersion = round.RankedBy }).ToList()
                    : [];
                store.AddRound(round with { Imports = [] }, rows);
                // Round-1 imports kept patches, not geometry: they migrate without annotation rows.
                foreach (var import in round.Imports) store.AddImport(round.Id, import, []);
            }
        });
    }
}
