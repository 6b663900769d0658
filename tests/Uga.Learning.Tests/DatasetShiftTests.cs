using System.Security.Cryptography;
using Uga.Imaging;
using Uga.Imaging.Shift;
using Uga.Inference;
using Uga.Learning;

namespace Uga.Learning.Tests;

public class DatasetShiftTests
{
    private const string Cases = "case,split,spacing_um\ncase0,train,0.5\ncase1,test,0.5\ncase2,test,0.5\n";

    /// <summary>Relative path → SHA-256 of every file under <paramref name="dir"/>.</summary>
    private static Dictionary<string, string> Hashes(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).ToDictionary(
            f => Path.GetRelativePath(dir, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    private static DatasetShiftRecord Shift(string data, string output, DatasetShiftOptions options) =>
        DatasetShift.Write(data, output, options, progress: null, TestContext.Current.CancellationToken);

    private static DatasetShiftOptions Strong(int seed) =>
        new() { Preset = "strong", Shift = LabShiftPresets.Get("strong"), Seed = seed };

    [Fact]
    public void Same_seed_writes_the_same_bytes_and_masks_are_copied_unchanged()
    {
        using var dir = new TempDir();
        var data = dir.File("data");
        TestData.WriteDiscDataset(data, 3, casesCsv: Cases);
        Shift(data, dir.File("a"), Strong(9));
        Shift(data, dir.File("b"), Strong(9));
        var a = Hashes(dir.File("a"));
        Assert.Equal(a, Hashes(dir.File("b")));
        Assert.Equal(8, a.Count);   // 3 images, 3 masks, cases.csv, shift.json
        for (int i = 0; i < 3; i++)
        {
            var mask = Path.Combine("masks", $"case{i}.png");
            Assert.Equal(File.ReadAllBytes(Path.Combine(data, mask)), File.ReadAllBytes(dir.File(Path.Combine("a", mask))));
            Assert.NotEqual(ImageFile.ReadRgb(Path.Combine(data, "images", $"case{i}.png")).Data,
                ImageFile.ReadRgb(dir.File(Path.Combine("a", "images", $"case{i}.png"))).Data);
        }
        Shift(data, dir.File("a"), Strong(10));   // a previous shift output may be replaced
        Assert.NotEqual(a[Path.Combine("images", "case0.png")], Hashes(dir.File("a"))[Path.Combine("images", "case0.png")]);
    }

    [Fact]
    public void Filtered_cases_keep_their_draw_and_cases_csv_gains_the_shift_columns()
    {
        using var dir = new TempDir();
        var data = dir.File("data");
        TestData.WriteDiscDataset(data, 3, casesCsv: Cases);
        var all = Shift(data, dir.File("all"), Strong(4));
        var some = Shift(data, dir.File("some"), Strong(4) with { Where = [CaseFilter.Parse("split=test")] });
        Assert.Equal(["case1", "case2"], some.Cases.Select(c => c.Stem));
        Assert.Equal(all.Cases[1], some.Cases[0]);
        Assert.Equal(File.ReadAllBytes(dir.File("all/images/case2.png")), File.ReadAllBytes(dir.File("some/images/case2.png")));

        var table = CasesTable.Read(dir.File("some/cases.csv"));
        Assert.Equal(["case", "split", "spacing_um", "shift_preset", "shift_seed", "shift_h_scale", "shift_e_scale"], table.Columns);
        Assert.Equal("strong", table.Value("case1", "shift_preset"));
        Assert.Equal("4", table.Value("case2", "shift_seed"));
        Assert.Null(table.Value("case0", "split"));
        Assert.Contains("\"blurSigmaUm\": 0.8", File.ReadAllText(dir.File("some/shift.json")));
    }

    [Fact]
    public void A_dataset_without_cases_csv_or_spacing_works_with_a_pixel_blur_only()
    {
        using var dir = new TempDir();
        var data = dir.File("data");
        TestData.WriteDiscDataset(data, 2);
        var micron = Assert.Throws<InvalidInputException>(() => Shift(data, dir.File("out"), Strong(1)));
        Assert.Contains("spacing unknown", micron.Message);
        Assert.False(Directory.Exists(dir.File("out")));
        var options = Strong(1) with { Shift = LabShiftPresets.Get("strong") with { BlurSigmaUm = 0, BlurSigmaPx = 1.5 } };
        var record = Shift(data, dir.File("out"), options);
        Assert.All(record.Cases, c => Assert.Equal(1.5, c.BlurPx));
        Assert.Equal(["case"], CasesTable.Read(dir.File("out/cases.csv")).Columns.Take(1));
    }

    [Fact]
    public void Output_overlapping_the_dataset_or_replacing_a_foreign_folder_is_refused()
    {
        using var dir = new TempDir();
        var data = dir.File("data");
        TestData.WriteDiscDataset(data, 1, casesCsv: "case,spacing_um\ncase0,0.5\n");
        var before = Hashes(dir.Path);
        foreach (var output in new[] { data, data + "/", Path.Combine(data, "shifted"), dir.Path })
        {
            var error = Assert.Throws<InvalidInputException>(() => Shift(data, output, Strong(1)));
            Assert.DoesNotContain('\n', error.Message);
        }
        var foreign = dir.File("foreign");
        Directory.CreateDirectory(foreign);
        File.WriteAllText(Path.Combine(foreign, "notes.txt"), "mine");
        before = Hashes(dir.Path);
        Assert.Throws<InvalidInputException>(() => Shift(data, foreign, Strong(1)));
        Assert.Throws<InvalidInputException>(() => Shift(data, dir.File("x"), Strong(1) with { Shift = new LabShift { Gamma = -1 } }));
        Assert.Equal(before, Hashes(dir.Path));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(dir.Path), e => Path.GetFileName(e).StartsWith('.'));
    }
}
