using Microsoft.ML.OnnxRuntime;
using Uga.Imaging;
using Uga.Inference;

namespace Uga.Onnx;

/// <summary>
/// Checks that a member network is what the manifest says: one float32 input N×3×H×W, one float32 output N×C×H×W
/// with C = the manifest's class count, and fixed spatial sizes (if any) equal to its patch size. Each error names
/// the manifest field that disagrees, since the manifest is what a user wrote and the network what they exported.
/// </summary>
internal static class OnnxSignature
{
    /// <summary>Returns the member's input name.</summary>
    public static string Check(InferenceSession session, ModelManifest manifest, string manifestPath, string file)
    {
        void Require(bool ok, string problem)
        {
            if (!ok) throw new InvalidInputException(manifestPath, $"{problem} (member {file})");
        }
        Require(session.InputMetadata.Count == 1, $"Uga feeds one RGB tensor, but the network has {session.InputMetadata.Count} inputs");
        Require(session.OutputMetadata.Count >= 1, "the network has no output");
        var (inputName, input) = session.InputMetadata.First();
        var output = session.OutputMetadata.First().Value;
        Require(input.ElementType == typeof(float), $"input '{inputName}' is {input.ElementType.Name}, Uga feeds float32");
        Require(output.ElementType == typeof(float), $"output is {output.ElementType.Name}, Uga reads float32");
        var inDims = input.Dimensions;
        var outDims = output.Dimensions;
        Require(inDims.Length == 4, $"input '{inputName}' has {inDims.Length} dimensions, Uga feeds N×3×H×W");
        Require(outDims.Length == 4, $"output has {outDims.Length} dimensions, Uga reads N×C×H×W");
        Require(inDims[1] is 3 or -1, $"inputMean, inputStd: the manifest describes 3 channels (RGB) but the network takes {inDims[1]}");
        Require(outDims[1] == -1 || outDims[1] == manifest.ClassCount,
            $"classNames: the manifest names {manifest.ClassCount} classes but the network outputs {outDims[1]} channels");
        foreach (var d in inDims.Skip(2))
            Require(d is -1 || d == manifest.PatchSize, $"patchSize: the manifest says {manifest.PatchSize} but the network takes {d}");
        return inputName;
    }
}
