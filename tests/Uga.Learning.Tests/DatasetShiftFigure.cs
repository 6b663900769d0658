using System.Runtime.CompilerServices;
using Uga.Imaging;
using Uga.Imaging.Shift;

using Uga.Inference;

namespace Uga.Learning.Tests;

/// <summary>
/// Regenerates docs/data-shift.png (opt-in: UGA_DOCS_FIGURES=1): three GlaS crops, one per row, as scanned and
/// under each preset. Small by design: the data licence allows figures, never dataset files in the repository.
/// </summary>
public class DatasetShiftFigure
{
    private const int Crop = 200, Thumb = 84, Gap = 2;
    private static readonly string[] Stems = ["testA_1", "testA_12", "testA_44"];

    [Fact]
    public void Write_the_before_after_strip_for_the_docs()
    {
        if (Environment.GetEnvironmentVariable("UGA_DOCS_FIGURES") != "1")
            Assert.Skip("opt-in: set UGA_DOCS_FIGURES=1 to regenerate docs/data-shift.png");
        var glas = SharedData.Require("glas", "images");
        string[] columns = ["none", .. LabShiftPresets.Names];
        var strip = new RgbImage((columns.Length * (Thumb + Gap)) + Gap, (Stems.Length * (Thumb + Gap)) + Gap);
        Array.Fill(strip.Data, (byte)255);
        for (int row = 0; row < Stems.Length; row++)
        {
            var image = ImageFile.ReadRgb(Path.Combine(glas, Stems[row] + ".jpg"));
            for (int col = 0; col < columns.Length; col++)
            {
                // The shift runs on the whole image at GlaS's 0.62 µm/px, as `uga data shift` would, then is cropped.
                var shifted = col == 0 ? image : LabShiftPresets.Get(columns[col]).Apply(image, seed: row, spacingUm: 0.62);
                var centre = new PixelRegion((image.Width - Crop) / 2, (image.Height - Crop) / 2, Crop, Crop);
                var thumb = Resample.Rgb(shifted.Crop(centre), Thumb, Thumb);
                strip.Paste(thumb, Gap + (col * (Thumb + Gap)), Gap + (row * (Thumb + Gap)));
            }
        }
        // A 256-colour palette keeps the committed PNG small (tens of kB) at no visible cost for a thumbnail strip.
        using var vips = ImageFile.ToVips(strip);
        AtomicFile.WriteAllBytes(Path.Combine(RepositoryRoot(), "docs", "data-shift.png"), vips.PngsaveBuffer(compression: 9, palette: true));
    }

    private static string RepositoryRoot([CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", ".."));
}
