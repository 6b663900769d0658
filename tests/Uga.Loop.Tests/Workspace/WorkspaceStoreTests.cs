using Microsoft.Data.Sqlite;
using Uga.Imaging;
using Uga.Loop.Workspace;
using Uga.Loop.Workspace.Store;
using F = Uga.Loop.Tests.Workspace.WorkspaceFixtures;

namespace Uga.Loop.Tests.Workspace;

public sealed class WorkspaceStoreTests
{
    [Fact]
    public void A_failure_between_the_two_halves_of_an_import_leaves_the_previous_state()
    {
        using var dir = new TempDir();
        var slide = F.Slide(dir);
        string root;
        using (var ws = F.Workspace(dir)) root = ws.Root;
        var file = F.Asap(dir, "a.xml", ("tumour", F.Triangle(40, 40, 80, 80)));
        string before;
        using (var faulty = LoopWorkspace.Open(root, point =>
        {
            if (point == SqliteWorkspaceStore.AfterImportRow) throw new IOException("injected: power cut");
        }))
        {
            faulty.AddRound(null);
            before = faulty.Snapshot();
            Assert.Throws<IOException>(() => AnnotationImporter.Import(faulty, new ImportRequest { AnnotationFile = file, SlidePath = slide }));
            Assert.Equal(before, faulty.Snapshot());
        }

        using var reopened = LoopWorkspace.Open(root);
        Assert.Equal(before, reopened.Snapshot());
        Assert.Empty(Assert.Single(reopened.Manifest.Rounds).Imports);
        // Rerunning the command completes the work.
        var import = AnnotationImporter.Import(reopened, new ImportRequest { AnnotationFile = file, SlidePath = slide, Author = "dr-a" });
        var stored = Assert.Single(reopened.Store.Annotations("r1"));
        Assert.Equal(("tumour", "dr-a", import.Sha256), (stored.ClassName, stored.Author, stored.SourceSha256));
        Assert.StartsWith("POLYGON ((40 40", stored.GeometryWkt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_writers_at_once_both_land()
    {
        using var dir = new TempDir();
        var slide = F.Slide(dir);
        string root;
        using (var ws = F.Workspace(dir))
        {
            root = ws.Root;
            ws.AddRound(null);
        }
        var a = F.Asap(dir, "a.xml", ("tumour", F.Triangle(40, 40, 80, 80)));
        var b = F.Asap(dir, "b.xml", ("tumour", F.Triangle(36, 36, 90, 90)));
        using var holding = new ManualResetEventSlim();
        // The first writer holds its transaction open until the second has started; the second waits on the lock.
        var first = Task.Run(() =>
        {
            using var ws = LoopWorkspace.Open(root, point =>
            {
                if (point != SqliteWorkspaceStore.AfterImportRow) return;
                holding.Set();
                Thread.Sleep(1500);
            });
            AnnotationImporter.Import(ws, new ImportRequest { AnnotationFile = a, SlidePath = slide, Author = "first" });
        }, TestContext.Current.CancellationToken);
        Assert.True(holding.Wait(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken));
        using (var ws = LoopWorkspace.Open(root))
            AnnotationImporter.Import(ws, new ImportRequest { AnnotationFile = b, SlidePath = slide, Author = "second" });
        await first;

        using var reopened = LoopWorkspace.Open(root);
        var round = Assert.Single(reopened.Manifest.Rounds);
        Assert.Equal(2, round.Imports.Count);
        Assert.Equal(["first", "second"], reopened.Store.Annotations("r1").Select(x => x.Author).Order());
        Assert.Equal(2, reopened.ImportedSamples(1).Samples.Count); // distinct patch files, none overwritten
    }

    [Fact]
    public void A_round_one_json_workspace_is_migrated_once_and_kept()
    {
        using var dir = new TempDir();
        var root = dir.File("ws");
        CopyFolder(Path.Combine(AppContext.BaseDirectory, "Workspace", "Round1Workspace"), root);
        var json = File.ReadAllBytes(Path.Combine(root, WorkspaceManifest.FileName));

        using (var ws = LoopWorkspace.Open(root))
        {
            Assert.Equal(["v1", "v2"], ws.Manifest.Versions.Select(v => v.Id));
            Assert.Equal("v1", ws.Manifest.Versions[1].Parent);
            Assert.Equal(["r1"], ws.Manifest.Versions[1].TrainedOnRounds);
            Assert.Equal(["split=train"], ws.Manifest.Source.Where);
            Assert.Equal(["r1", "r2"], ws.Manifest.Rounds.Select(r => r.Id));
            var import = Assert.Single(ws.Manifest.Rounds[0].Imports);
            Assert.Equal(["testA_1-i1-uga1", "testA_1-i1-uga2"], import.Patches);
            Assert.Equal(340, import.PixelsPerClass["malignant"]);
            var candidates = ws.Store.Candidates();
            Assert.Equal([("r1", 1), ("r1", 2), ("r2", 1)], candidates.Select(c => (c.RoundId, c.Rank)));
            Assert.Equal(new PixelRegion(512, 256, 256, 256), candidates[2].Level0);
            Assert.Equal(3, candidates.Select(c => c.Id).Distinct().Count());
            Assert.Equal(3, WorkspaceRanker.QueuedRegions(ws).Count);
        }
        Assert.Equal(json, File.ReadAllBytes(Path.Combine(root, WorkspaceManifest.FileName)));
        File.WriteAllText(Path.Combine(root, WorkspaceManifest.FileName), "{ not read again }");
        using var again = LoopWorkspace.Open(root);
        Assert.Equal(2, again.Manifest.Rounds.Count);
    }

    [Fact]
    public void A_store_from_a_newer_uga_is_refused()
    {
        using var dir = new TempDir();
        string db;
        using (var ws = F.Workspace(dir)) db = ws.ManifestPath;
        using (var connection = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE meta SET value = '99' WHERE key = 'format_version'";
            command.ExecuteNonQuery();
        }
        var e = Assert.Throws<InvalidInputException>(() => LoopWorkspace.Open(Path.GetDirectoryName(db)!));
        Assert.Equal(db, e.Path);
        Assert.Contains("workspace format 99 is newer than this uga understands", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_store_is_named()
    {
        using var dir = new TempDir();
        var root = dir.File("ws");
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, SqliteWorkspaceStore.FileName), "this is not a database, it is plain text of some length....");
        var e = Assert.Throws<InvalidInputException>(() => LoopWorkspace.Open(root));
        Assert.EndsWith(SqliteWorkspaceStore.FileName, e.Path, StringComparison.Ordinal);
        Assert.Contains("unreadable workspace store", e.Problem, StringComparison.Ordinal);
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
