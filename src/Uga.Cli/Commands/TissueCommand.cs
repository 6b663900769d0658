using System.CommandLine;
using System.Globalization;
using Uga.Imaging;
using Uga.Slides;
using Uga.Slides.Tissue;

namespace Uga.Cli.Commands;

/// <summary>`uga tissue`: finds the tissue on a slide and writes the mask and an outlined thumbnail to check it.</summary>
internal static class TissueCommand
{
    public static Command Create()
    {
        var slideOption = new Option<string>("--slide") { Description = "Slide or image file (SVS, pyramidal TIFF, any OpenSlide format, JPEG, PNG, TIFF)", Required = true };
        var outOption = new Option<string>("--out") { Description = "Folder for <stem>.tissue.png (mask, 255 = tissue) and <stem>.tissue-thumbnail.png", Required = true };
        var spacingOption = new Option<double?>("--spacing") { Description = "Pixel spacing of the slide's full resolution in µm/px, overriding the file's (required if the file has none)" };
        var maskSpacingOption = new Option<double>("--mask-spacing") { Description = "Spacing of the mask in µm/px", DefaultValueFactory = _ => 8.0 };
        var command = new Command("tissue", "Detect tissue on a slide; write the mask and a thumbnail with the mask outlined")
        {
            slideOption, outOption, spacingOption, maskSpacingOption,
        };
        command.SetAction((parse, cancel) =>
        {
            var maskSpacing = parse.GetValue(maskSpacingOption);
            if (!double.IsFinite(maskSpacing) || maskSpacing <= 0 || maskSpacing > 1000)
                throw new InvalidInputException(null, $"--mask-spacing {maskSpacing.ToString(CultureInfo.InvariantCulture)} must be a positive number of µm/px (at most 1000)");
            Run(parse.GetValue(slideOption)!, parse.GetValue(outOption)!, parse.GetValue(spacingOption), maskSpacing, cancel);
            return Task.FromResult(0);
        });
        return command;
    }

    private static void Run(string slidePath, string outDir, double? spacing, double maskSpacing, CancellationToken cancel)
    {
        using var slide = SlideFactory.Open(slidePath, spacing);
        var options = new TissueDetectionOptions { MaskSpacingUm = maskSpacing };
        var thumbnail = slide.ReadWhole(maskSpacing, cancel);
        var mask = TissueDetector.Detect(thumbnail, maskSpacing, options);
        cancel.ThrowIfCancellationRequested();

        var stem = Path.GetFileNameWithoutExtension(slidePath);
        var maskPath = Path.Combine(outDir, stem + ".tissue.png");
        var thumbnailPath = Path.Combine(outDir, stem + ".tissue-thumbnail.png");
        TissueMaskFile.Save(mask, maskPath);
        ImageFile.WritePng(TissueMaskFile.Outline(thumbnail, mask), thumbnailPath);

        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"slide {slidePath}: {slide.Vendor}, {slide.Levels.Count} level(s), {slide.Levels[0].Width}x{slide.Levels[0].Height} px at {slide.Spacing:0.####} µm/px ({Describe(slide.SpacingSource)})"));
        Console.WriteLine(string.Create(inv, $"tissue fraction {mask.Fraction:0.0000} ({mask.TissueAreaMm2:0.##} mm² of tissue; mask {mask.Width}x{mask.Height} at {maskSpacing:0.###} µm/px)"));
        Console.WriteLine($"wrote {maskPath}");
        Console.WriteLine($"wrote {thumbnailPath}");
    }

    private static string Describe(SpacingSource source) => source switch
    {
        SpacingSource.Metadata => "from the scanner metadata",
        SpacingSource.ResolutionTags => "from the resolution tags",
        _ => "from --spacing",
    };
}
