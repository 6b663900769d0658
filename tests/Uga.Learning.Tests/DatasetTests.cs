using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;

namespace Uga.Learning.Tests;

public class DatasetTests
{
    private const string Cases = "case,preparation,spacing_um\ncase0,ffpe,0.25\ncase1,frozen,0.25\ncase2,FFPE,0.5\n";

    [Fact]
    public void FiltersOnCasesCsvAndResamplesToTheModelSpacing()
    {
        using var dir = new TempDir();
        TestData.WriteDiscDataset(dir.Path, 3, size: 40, casesCsv: Cases);
        var ffpe = SegmentationDataset.Load(dir.Path, new DatasetOptions { Where = [CaseFilter.Parse("preparation=ffpe")], TargetSpacingUm = 0.5 });
        Assert.Equal(["case0", "case2"], ffpe.Select(s => s.Name));
        Assert.Equal(20, ffpe[0].Image.Width);   // 0.25 µm/px -> 0.5 µm/px halves the size
        Assert.Equal(40, ffpe[1].Image.Width);   // already at 0.5
        Assert.Equal(20, ffpe[0].Labels.Height);

        var both = SegmentationDataset.Load(dir.Path, new DatasetOptions
        {
            Where = [CaseFilter.Parse("preparation=ffpe"), CaseFilter.Parse("spacing_um=0.5")],
            DataSpacingUm = 1.0, // overrides the column
            TargetSpacingUm = 0.5,
        });
        Assert.Equal("case2", Assert.Single(both).Name);
        Assert.Equal(80, both[0].Image.Width);
    }

    [Fact]
    public void EmptyAfterFilteringAndUnknownColumnAreInvalidInput()
    {
        using var dir = new TempDir();
        TestData.WriteDiscDataset(dir.Path, 2, casesCsv: Cases);
        var empty = Assert.Throws<InvalidInputException>(() =>
            SegmentationDataset.Load(dir.Path, new DatasetOptions { Where = [CaseFilter.Parse("preparation=paraffin")] }));
        Assert.Contains("empty dataset", empty.Message);
        var column = Assert.Throws<InvalidInputException>(() =>
            SegmentationDataset.Load(dir.Path, new DatasetOptions { Where = [CaseFilter.Parse("organ=lung")] }));
        Assert.Equal(Path.Combine(dir.Path, "cases.csv"), column.Path);
        Assert.Throws<InvalidInputException>(() => CaseFilter.Parse("organ"));
    }

    [Fact]
    public void UnknownSpacingIsInvalidInput()
    {
        using var dir = new TempDir();
        TestData.WriteDiscDataset(dir.Path, 1);
        Assert.Contains("--data-spacing", Assert.Throws<InvalidInputException>(() => SegmentationDataset.Load(dir.Path, new DatasetOptions())).Message);
        Assert.Single(SegmentationDataset.Load(dir.Path, new DatasetOptions { DataSpacingUm = 0.5 }));
    }

    [Fact]
    public void MissingMaskIsNamed()
    {
        using var dir = new TempDir();
        TestData.WriteDiscDataset(dir.Path, 2);
        var mask = Path.Combine(dir.Path, "masks", "case1.png");
        File.Delete(mask);
        Assert.Equal(mask, Assert.Throws<InvalidInputException>(() => Load(dir.Path)).Path);
    }

    [Fact]
    public void CorruptImageIsNamed()
    {
        using var dir = new TempDir();
        TestData.WriteDiscDataset(dir.Path, 2);
        var image = Path.Combine(dir.Path, "images", "case0.png");
        File.WriteAllBytes(image, [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        Assert.Equal(image, Assert.Throws<InvalidInputException>(() => Load(dir.Path)).Path);
    }

    [Fact]
    public void MaskOfAnotherSizeIsNamed()
    {
        using var dir = new TempDir();
        TestData.WriteDiscDataset(dir.Path, 2);
        var mask = Path.Combine(dir.Path, "masks", "case1.png");
        ImageFile.WritePng(new LabelMap(10, 12), mask);
        var e = Assert.Throws<InvalidInputException>(() => Load(dir.Path));
        Assert.Equal(mask, e.Path);
        Assert.Contains("10x12", e.Message);
    }

    [Fact]
    public void LabelOutsideTheClassRangeIsNamedButIgnoreIsAllowed()
    {
        var labels = new LabelMap(16, 16);
        labels[3, 3] = LabelMap.Ignore;
        using var ignoring = new TempDir();
        TestData.WriteDiscDataset(ignoring.Path, 2, size: 16);
        ImageFile.WritePng(labels, Path.Combine(ignoring.Path, "masks", "case0.png"));
        Assert.Equal(2, Load(ignoring.Path).Count);

        // A fresh folder: libvips caches decoded files by name, so a mask rewritten in place could be served stale.
        using var outside = new TempDir();
        TestData.WriteDiscDataset(outside.Path, 2, size: 16);
        var mask = Path.Combine(outside.Path, "masks", "case1.png");
        labels[4, 4] = 2;
        ImageFile.WritePng(labels, mask);
        var e = Assert.Throws<InvalidInputException>(() => Load(outside.Path));
        Assert.Equal(mask, e.Path);
        Assert.Contains("label 2", e.Message);
    }

    [Fact]
    public void MissingFoldersAreNamed()
    {
        using var dir = new TempDir();
        Assert.Equal(Path.Combine(dir.Path, "images"), Assert.Throws<InvalidInputException>(() => Load(dir.Path)).Path);
        Assert.Equal(dir.File("x"), Assert.Throws<InvalidInputException>(() => Load(dir.File("x"))).Path);
    }

    [Fact]
    public void CasesCsvHandlesQuotesAndRejectsRaggedRows()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("cases.csv"), "case,note\n\"a\",\"x, \"\"y\"\"\"\n");
        Assert.Equal("x, \"y\"", CasesTable.Read(dir.File("cases.csv")).Value("a", "note"));
        File.WriteAllText(dir.File("cases.csv"), "case,note\na,b,c\n");
        Assert.Contains("line 2", Assert.Throws<InvalidInputException>(() => CasesTable.Read(dir.File("cases.csv"))).Message);
    }

    private static IReadOnlyList<SegmentationSample> Load(string dir) =>
        SegmentationDataset.Load(dir, new DatasetOptions { DataSpacingUm = 0.5, TargetSpacingUm = 0.5, ClassCount = 2 });
}
