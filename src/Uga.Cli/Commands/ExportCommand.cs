using System.CommandLine;
using Uga.Imaging;
using Uga.Learning;
using Uga.Learning.Inference;
using Uga.Onnx;

namespace Uga.Cli.Commands;

/// <summary>
/// `uga export`: a Uga model folder written as ONNX (BatchNorm folded), runnable by ONNX Runtime — by Uga itself
/// (`uga predict --model OUT` picks the backend from the manifest) or any other ONNX consumer. After writing, both
/// backends predict the same tiles from one of the model's own images (or seeded noise) and the largest
/// probability difference is reported.
/// </summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Uga model folder", Required = true };
        var output = new Option<string>("--out") { Description = "New model folder (manifest.json + member-N.onnx)", Required = true };
        var image = new Option<string?>("--check-image") { Description = "Image whose tiles both backends predict after the export (default: seeded noise)" };
        var command = new Command("export", "Write a model as ONNX (BatchNorm folded) and check it against the TorchSharp original")
        {
            model, output, image,
        };
        command.SetAction((parse, _) =>
        {
            var outDir = parse.GetValue(output)!;
            if (Directory.Exists(outDir) || File.Exists(outDir)) throw new InvalidInputException(outDir, "already exists; choose a new folder");
            using var ensemble = Ensemble.Load(parse.GetValue(model)!);
            OnnxExport.Write(ensemble, outDir);
            var (tiles, count, from) = CheckTiles(parse.GetValue(image), ensemble.Manifest.PatchSize);
            using var exported = EnsembleModels.Load(outDir);
            double diff = OnnxExport.MaxDifference(ensemble, exported, tiles, count);
            Console.WriteLine($"exported {ensemble.Manifest.Members} members as ONNX opset {OnnxExport.Opset} (ONNX Runtime {OnnxEnsemble.RuntimeVersion})");
            Console.WriteLine($"largest probability difference vs TorchSharp on {count} tiles of {from}: {diff:0.0e+0}");
            Console.WriteLine($"wrote {Path.GetFullPath(outDir)}");
            return Task.FromResult(0);
        });
        return command;
    }

    private static (byte[] Tiles, int Count, string From) CheckTiles(string? imagePath, int patch)
    {
        if (imagePath is null)
        {
            var noise = new byte[2 * patch * patch * 3];
            new Random(1).NextBytes(noise);
            return (noise, 2, "seeded noise");
        }
        var image = ImageFile.ReadRgb(imagePath);
        var regions = TileGrid.Regions(image.Width, image.Height, patch).Take(4).ToList();
        if (regions.Count == 0) throw new InvalidInputException(imagePath, $"smaller than one {patch} px tile");
        return ([.. regions.SelectMany(r => image.Crop(r).Data)], regions.Count, Path.GetFileName(imagePath));
    }
}
