
namespace Uga.Inference;

/// <summary>
/// A loaded model as inference sees it: its manifest (spacing, patch size, classes, normalisation — the plan that
/// travels with the weights) and a source of probability samples. A backend implements it (the TorchSharp
/// <c>Ensemble</c>, ONNX Runtime's <c>OnnxEnsemble</c>); tiling, slide prediction and artifacts need nothing else.
/// </summary>
public interface IEnsembleModel : IDisposable
{
    ModelManifest Manifest { get; }

    /// <summary>The members as a source of <paramref name="kind"/> (ensemble members, MC-dropout passes, TTA).</summary>
    IProbabilitySource CreateSource(SampleSourceKind kind, int passes = 8);

    /// <summary>One sample from each of the members [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>) (a cascade's passes).</summary>
    IProbabilitySource CreateMemberSource(int first, int count);
}
