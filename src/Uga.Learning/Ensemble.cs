using TorchSharp;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning.Inference;
using static TorchSharp.torch;

namespace Uga.Learning;

/// <summary>
/// M U-Nets trained with different seeds, plus the manifest that says how to feed them. The model folder holds
/// manifest.json and one TorchSharp state-dict file per member (member-0.pt, ...).
/// </summary>
public sealed class Ensemble : IEnsembleModel, IDisposable
{
    private readonly Tensor mean;
    private readonly Tensor std;

    public Ensemble(ModelManifest manifest, IReadOnlyList<UNet> members)
    {
        manifest.Validate(ModelManifest.FileName);
        if (members.Count != manifest.Members)
            throw new ArgumentException($"manifest says {manifest.Members} members, got {members.Count}", nameof(members));
        Manifest = manifest;
        Members = members;
        mean = tensor(manifest.InputMean, [1, 3, 1, 1]);
        std = tensor(manifest.InputStd, [1, 3, 1, 1]);
    }

    public ModelManifest Manifest { get; }

    /// <summary>The member networks; in eval mode after <see cref="Load"/>.</summary>
    public IReadOnlyList<UNet> Members { get; }

    /// <summary>
    /// Reads a model folder written by <see cref="Save"/>. Validates the manifest and every member file (present,
    /// readable, parameter names and shapes matching the manifest); problems name the offending file.
    /// </summary>
    public static Ensemble Load(string modelDir)
    {
        if (!Directory.Exists(modelDir)) throw new InvalidInputException(modelDir, "model folder not found");
        var manifest = ModelManifest.Read(Path.Combine(modelDir, ModelManifest.FileName));
        if (manifest.IsOnnx)
            throw new InvalidInputException(modelDir, "is an ONNX model: training, fine-tuning and adaptation need a Uga (TorchSharp) model; predict, rank and evaluate read it");
        var members = new List<UNet>();
        try
        {
            foreach (var file in manifest.MemberFiles)
            {
                var path = Path.Combine(modelDir, file);
                var net = new UNet(UNetOptions.Of(manifest));
                members.Add(net);
                LoadWeights(net, path);
                net.eval();
            }
        }
        catch
        {
            foreach (var m in members) m.Dispose();
            throw;
        }
        return new Ensemble(manifest, members);
    }

    /// <summary>Writes the model folder atomically: it appears complete under its final name or not at all.</summary>
    public void Save(string modelDir)
    {
        AtomicFile.WriteDirectory(modelDir, tmp =>
        {
            for (int i = 0; i < Members.Count; i++)
                Members[i].save(Path.Combine(tmp, Manifest.MemberFiles[i]));
            File.WriteAllText(Path.Combine(tmp, ModelManifest.FileName), Manifest.ToJson());
        });
    }

    /// <summary>
    /// Turns RGB pixels into network input: float32 N×3×H×W, scaled to [0, 1] then standardised with the manifest's
    /// <see cref="ModelManifest.InputMean"/>/<see cref="ModelManifest.InputStd"/>. Accepts a 4-D batch or a 3-D single
    /// image (a batch dimension is added); dtype uint8 (0..255) or float32/float64 already in [0, 1]; layout
    /// channels-last (…×H×W×3, detected by a last dimension of 3) or channels-first (…×3×H×W). Valid network
    /// inputs have W divisible by 2, so a last dimension of 3 is never a width. Does not dispose its input.
    /// </summary>
    public Tensor Normalise(Tensor rgb)
    {
        using var scope = NewDisposeScope();
        var x = rgb.dim() switch
        {
            3 => rgb.unsqueeze(0),
            4 => rgb.alias(),
            _ => throw new ArgumentException($"expected a 3-D or 4-D RGB tensor, got [{string.Join(", ", rgb.shape)}]", nameof(rgb)),
        };
        return InputTensor.Normalise(x, mean, std).MoveToOuterDisposeScope();
    }

    /// <summary>The members as an <see cref="IProbabilitySource"/> of <paramref name="kind"/> (torch-free callers see only the contract).</summary>
    public IProbabilitySource CreateSource(SampleSourceKind kind, int passes = 8) =>
        TorchSources.Create(kind, [.. Members.Cast<nn.Module<Tensor, Tensor>>()], Normalise, passes);

    public IProbabilitySource CreateMemberSource(int first, int count) => new EnsembleSource([.. Members.Skip(first).Take(count)], Normalise);

    /// <summary>One image as normalised network input 1×3×H×W.</summary>
    public Tensor Normalise(RgbImage image)
    {
        using var bytes = tensor(image.Data, [image.Height, image.Width, 3]);
        return Normalise(bytes);
    }

    public void Dispose()
    {
        foreach (var m in Members) m.Dispose();
        mean.Dispose();
        std.Dispose();
    }

    internal static void LoadWeights(UNet net, string path)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, "model member weights not found");
        try
        {
            net.load(path, strict: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidInputException(path, $"corrupt or mismatched member weights ({e.Message.Split('\n')[0]})", e);
        }
    }
}
