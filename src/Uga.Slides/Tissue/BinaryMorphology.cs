using Uga.Imaging;

namespace Uga.Slides.Tissue;

/// <summary>
/// Morphology on 0/1 masks: square structuring elements done separably with running counts (linear time whatever
/// the radius), hole filling and small-object removal by connected components.
/// </summary>
internal static class BinaryMorphology
{
    public static LabelMap Dilate(LabelMap mask, int radius) => Window(mask, radius, any: true);

    public static LabelMap Erode(LabelMap mask, int radius) => Window(mask, radius, any: false);

    public static LabelMap Close(LabelMap mask, int radius) => radius <= 0 ? mask : Erode(Dilate(mask, radius), radius);

    public static LabelMap Open(LabelMap mask, int radius) => radius <= 0 ? mask : Dilate(Erode(mask, radius), radius);

    /// <summary>Sets to 1 every 4-connected glass region that does not touch the border and has at most <paramref name="maxArea"/> pixels.</summary>
    public static void FillHoles(LabelMap mask, long maxArea) =>
        Recolour(mask, value: 0, eightConnected: false, c => !c.TouchesBorder && c.Area <= maxArea, newValue: 1);

    /// <summary>Sets to 0 every 8-connected tissue object smaller than <paramref name="minArea"/> pixels.</summary>
    public static void RemoveSmallObjects(LabelMap mask, long minArea) =>
        Recolour(mask, value: 1, eightConnected: true, c => c.Area < minArea, newValue: 0);

    // Outside the mask counts as glass for dilation and as tissue for erosion, so erosion does not eat tissue that
    // touches the slide edge.
    private static LabelMap Window(LabelMap mask, int radius, bool any)
    {
        if (radius <= 0) return mask;
        int w = mask.Width, h = mask.Height, span = (2 * radius) + 1;
        var horizontal = new byte[mask.Data.Length];
        for (int y = 0; y < h; y++)
            Pass(mask.Data, horizontal, start: y * w, stride: 1, length: w, radius, span, any);
        var result = new LabelMap(w, h);
        for (int x = 0; x < w; x++)
            Pass(horizontal, result.Data, start: x, stride: w, length: h, radius, span, any);
        return result;
    }

    private static void Pass(byte[] src, byte[] dst, int start, int stride, int length, int radius, int span, bool any)
    {
        int outsideValue = any ? 0 : 1;
        // Start with the window centred at -1, i.e. [-radius-1, radius-1]; positions outside the line count as outsideValue.
        int count = outsideValue * (radius + 1);
        for (int i = 0; i < radius && i < length; i++) count += src[start + (i * stride)];
        count += outsideValue * Math.Max(0, radius - length);
        for (int i = 0; i < length; i++)
        {
            int enter = i + radius, leave = i - radius - 1;
            count += enter < length ? src[start + (enter * stride)] : outsideValue;
            count -= leave >= 0 ? src[start + (leave * stride)] : outsideValue;
            dst[start + (i * stride)] = any ? (byte)(count > 0 ? 1 : 0) : (byte)(count == span ? 1 : 0);
        }
    }

    private readonly record struct Component(long Area, bool TouchesBorder);

    private static void Recolour(LabelMap mask, byte value, bool eightConnected, Func<Component, bool> select, byte newValue)
    {
        int w = mask.Width, h = mask.Height;
        var seen = new bool[mask.Data.Length];
        var members = new List<int>();
        var stack = new Stack<int>();
        for (int start = 0; start < mask.Data.Length; start++)
        {
            if (seen[start] || mask.Data[start] != value) continue;
            ConnectedComponents.Flood(w, h, start, eightConnected, q => !seen[q] && mask.Data[q] == value, q => seen[q] = true, members, stack);
            bool border = members.Exists(p => p % w == 0 || p / w == 0 || p % w == w - 1 || p / w == h - 1);
            if (select(new Component(members.Count, border)))
                foreach (var p in members) mask.Data[p] = newValue;
        }
    }
}
