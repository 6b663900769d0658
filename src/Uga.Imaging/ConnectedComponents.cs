namespace Uga.Imaging;

/// <summary>
/// The one flood fill: every job that needs connected regions of a raster (vectorising label maps, cleaning tissue
/// masks) walks them here, with an explicit stack so large regions cannot overflow the call stack.
/// </summary>
public static class ConnectedComponents
{
    /// <summary>
    /// Collects into <paramref name="members"/> the region of pixel index <paramref name="start"/> (row-major,
    /// <paramref name="width"/> × <paramref name="height"/>): every pixel reached by 4-neighbour steps (8 with
    /// <paramref name="eightConnected"/>) for which <paramref name="canClaim"/> holds. <paramref name="claim"/> marks a
    /// pixel as taken, once for each, the start included, so a later <paramref name="canClaim"/> refuses it.
    /// </summary>
    public static void Flood(int width, int height, int start, bool eightConnected, Func<int, bool> canClaim, Action<int> claim,
        List<int> members, Stack<int> stack)
    {
        members.Clear();
        stack.Clear();
        claim(start);
        stack.Push(start);
        while (stack.Count > 0)
        {
            int p = stack.Pop();
            members.Add(p);
            int x = p % width, y = p / width;
            for (int dy = -1; dy <= 1; dy++)
            {
                for (int dx = -1; dx <= 1; dx++)
                {
                    if ((dx == 0 && dy == 0) || (!eightConnected && dx != 0 && dy != 0)) continue;
                    int nx = x + dx, ny = y + dy;
                    if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
                    int q = (ny * width) + nx;
                    if (!canClaim(q)) continue;
                    claim(q);
                    stack.Push(q);
                }
            }
        }
    }
}
