using TorchSharp;
using Uga.Inference;
using Uga.Learning;

namespace Uga.Testing;

/// <summary>
/// Small untrained ensembles with fixed seeds: enough to exercise tiling, blending, I/O and the commands, in
/// milliseconds. Compiled into the test projects that reference Uga.Learning.
/// </summary>
public static class TinyModels
{
    public static Ensemble Create(IReadOnlyList<string> classNames, double spacingUm, int patchSize = 32, int members = 2,
        string normalisation = "batch", double dropout = 0, int seed = 40, int depth = 2, int baseChannels = 4)
    {
        var manifest = new ModelManifest
        {
            ClassNames = classNames,
            SpacingUm = spacingUm,
            PatchSize = patchSize,
            Depth = depth,
            BaseChannels = baseChannels,
            Normalisation = normalisation,
            Dropout = dropout,
            InputMean = [0.7f, 0.5f, 0.7f],
            InputStd = [0.15f, 0.2f, 0.15f],
            Members = members,
            MemberFiles = [.. Enumerable.Range(0, members).Select(m => $"member-{m}.pt")],
            Training = new TrainingRecord(),
        };
        var nets = new List<UNet>();
        for (int m = 0; m < members; m++)
        {
            torch.random.manual_seed(seed + m);
            var net = new UNet(UNetOptions.Of(manifest));
            net.eval();
            nets.Add(net);
        }
        return new Ensemble(manifest, nets);
    }

    /// <summary>Class names "background", "class1", … for <paramref name="classes"/> classes.</summary>
    public static IReadOnlyList<string> Classes(int classes) =>
        [.. Enumerable.Range(0, classes).Select(c => c == 0 ? "background" : $"class{c}")];

    /// <summary>Saves a tiny ensemble to DIR/model and returns that folder.</summary>
    public static string Save(TempDir dir, IReadOnlyList<string> classNames, double spacingUm, int patchSize = 32, int members = 2,
        string normalisation = "batch", double dropout = 0, int seed = 40, string name = "model")
    {
        using var ensemble = Create(classNames, spacingUm, patchSize, members, normalisation, dropout, seed);
        var path = dir.File(name);
        ensemble.Save(path);
        return path;
    }
}
