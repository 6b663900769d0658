namespace Uga.Imaging;

/// <summary>The one CSV field splitter (RFC 4180 quoting: "a, b" and doubled "" inside quotes), for cases.csv and candidates.csv.</summary>
public static class CsvLine
{
    /// <summary>The fields of one line; an unterminated quote is bad input naming <paramref name="path"/> and the line.</summary>
    public static string[] Split(string line, string? path, int lineNumber)
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { current.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else current.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { fields.Add(current.ToString()); current.Clear(); }
            else current.Append(ch);
        }
        if (quoted) throw new InvalidInputException(path, $"line {lineNumber} has an unterminated quote");
        fields.Add(current.ToString().TrimEnd('\r'));
        return [.. fields];
    }
}
