using Uga.Imaging;

namespace Uga.Imaging.Tests;

public class RasterTests
{
    [Fact]
    public void CropOutsideIsFilledAndInsideCopied()
    {
        var img = new RgbImage(4, 3);
        for (int i = 0; i < img.Data.Length; i++) img.Data[i] = (byte)i;
        var crop = img.Crop(new PixelRegion(2, 1, 4, 3));
        Assert.Equal(img.Data[img.Index(2, 1)], crop.Data[0]);
        Assert.Equal(img.Data[img.Index(3, 2) + 2], crop.Data[crop.Index(1, 1) + 2]);
        Assert.Equal(255, crop.Data[crop.Index(3, 2)]);
    }

    [Fact]
    public void PasteIsClippedToTheTarget()
    {
        var target = new LabelMap(5, 5);
        var source = new LabelMap(3, 3);
        Array.Fill(source.Data, (byte)2);
        target.Paste(source, 3, -1);
        Assert.Equal(2, target[4, 0]);
        Assert.Equal(2, target[3, 1]);
        Assert.Equal(0, target[2, 1]);
        Assert.Equal(0, target[4, 2]);
    }

    [Fact]
    public void PngRoundTripKeepsLabelsExactly()
    {
        var labels = new LabelMap(7, 5);
        for (int i = 0; i < labels.Data.Length; i++) labels.Data[i] = (byte)(i % 3);
        using var dir = new TempDir();
        var path = dir.File("labels.png");
        ImageFile.WritePng(labels, path);
        Assert.Equal(labels.Data, ImageFile.ReadLabels(path).Data);
    }

    [Fact]
    public void MissingFileNamesTheFile()
    {
        var e = Assert.Throws<InvalidInputException>(() => ImageFile.ReadRgb("/nonexistent/x.png"));
        Assert.Contains("/nonexistent/x.png", e.Message);
    }

    [Fact]
    public void CorruptFileNamesTheFile()
    {
        using var dir = new TempDir();
        var path = dir.File("corrupt.jpg");
        File.WriteAllBytes(path, [0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3]);
        var e = Assert.Throws<InvalidInputException>(() => ImageFile.ReadRgb(path));
        Assert.StartsWith(path, e.Message);
    }

    [Fact]
    public void LabelResamplingNeverBlendsClasses()
    {
        var labels = new LabelMap(4, 4);
        for (int i = 0; i < 16; i++) labels.Data[i] = (byte)(i % 2 == 0 ? 0 : 2);
        var up = Resample.Labels(labels, 10, 10);
        Assert.All(up.Data, v => Assert.True(v is 0 or 2));
    }
}

public class SharedDataTests
{
    [Fact]
    public void RealMonusegImageAndMaskHaveTheSameSize()
    {
        var image = ImageFile.ReadRgb(SharedData.Require("monuseg", "images", "TCGA-18-5592-01Z-00-DX1.jpg"));
        var mask = ImageFile.ReadLabels(SharedData.Require("monuseg", "masks", "TCGA-18-5592-01Z-00-DX1.png"));
        Assert.Equal((1000, 1000), (image.Width, image.Height));
        Assert.Equal((image.Width, image.Height), (mask.Width, mask.Height));
        Assert.Equal(1, mask.MaxLabel());
    }
}

public class RewriteTests
{
    [Fact]
    public void AFileRewrittenInPlaceIsReadAgain()
    {
        using var dir = new TempDir();
        var path = dir.File("mask.png");
        var first = new LabelMap(8, 8);
        ImageFile.WritePng(first, path);
        Assert.Equal(0, ImageFile.ReadLabels(path).MaxLabel());
        var second = new LabelMap(8, 8);
        Array.Fill(second.Data, (byte)2);
        ImageFile.WritePng(second, path);
        Assert.Equal(2, ImageFile.ReadLabels(path).MaxLabel());
    }
}
