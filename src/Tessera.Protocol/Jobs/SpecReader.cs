using System.Text.Json.Nodes;

namespace Tessera.Protocol.Jobs;

/// <summary>Reads one JSON object field by field, remembering which keys were read so unknown ones can be named.</summary>
internal sealed class SpecReader
{
    readonly JsonObject _obj;
    readonly string _path;
    readonly HashSet<string> _read = new();

    public SpecReader(JsonNode? node, string path)
    {
        _path = path;
        _obj = node as JsonObject ?? throw new JobSpecException(path.Length == 0 ? "(root)" : path, "must be a mapping of keys to values");
    }

    string Field(string key) => _path.Length == 0 ? key : $"{_path}.{key}";

    JsonValue? Value(string key)
    {
        _read.Add(key);
        var node = _obj[key];
        if (node is null) return null;
        return node as JsonValue ?? throw new JobSpecException(Field(key), "must be a single value");
    }

    public bool Has(string key) => _obj.ContainsKey(key);

    public string? String(string key, string? fallback = null, params string[] allowed)
    {
        var v = Value(key);
        if (v is null) return fallback;
        var s = v.TryGetValue<string>(out var str) ? str : v.ToString();
        if (allowed.Length > 0 && !allowed.Contains(s, StringComparer.OrdinalIgnoreCase))
            throw new JobSpecException(Field(key), $"'{s}' is not one of {string.Join(", ", allowed)}");
        return allowed.Length > 0 ? s.ToLowerInvariant() : s;
    }

    public string RequiredString(string key, params string[] allowed) =>
        String(key, null, allowed) ?? throw new JobSpecException(Field(key), "is required");

    public double? Double(string key, double? fallback = null, double min = double.MinValue, double max = double.MaxValue, bool exclusiveMin = false)
    {
        var v = Value(key);
        if (v is null) return fallback;
        if (!TryNumber(v, out var d)) throw new JobSpecException(Field(key), $"'{v}' is not a number");
        if (!double.IsFinite(d) || d < min || d > max || (exclusiveMin && d <= min))
            throw new JobSpecException(Field(key), $"{d} is out of range ({(exclusiveMin ? ">" : ">=")} {min}{(max < double.MaxValue ? $", <= {max}" : "")})");
        return d;
    }

    public int? Int(string key, int? fallback = null, int min = int.MinValue, int max = int.MaxValue)
    {
        var v = Value(key);
        if (v is null) return fallback;
        if (!TryNumber(v, out var d) || d != Math.Floor(d) || d < int.MinValue || d > int.MaxValue)
            throw new JobSpecException(Field(key), $"'{v}' is not a whole number");
        if (d < min || d > max) throw new JobSpecException(Field(key), $"{d} is out of range ({min}..{max})");
        return (int)d;
    }

    public IReadOnlyList<string> Strings(string key)
    {
        _read.Add(key);
        var node = _obj[key];
        if (node is null) return [];
        if (node is not JsonArray arr) throw new JobSpecException(Field(key), "must be a list");
        return arr.Select((n, i) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s
            : throw new JobSpecException($"{Field(key)}[{i}]", "must be a string")).ToList();
    }

    public bool? Bool(string key, bool? fallback = null)
    {
        var v = Value(key);
        if (v is null) return fallback;
        if (v.TryGetValue<bool>(out var b)) return b;
        return (v.TryGetValue<string>(out var s) ? s.ToLowerInvariant() : null) switch
        {
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => throw new JobSpecException(Field(key), $"'{v}' is not true or false"),
        };
    }

    /// <summary>A list of numbers, each checked like <see cref="Double"/>.</summary>
    public IReadOnlyList<double> Doubles(string key, double min = double.MinValue, bool exclusiveMin = false)
    {
        _read.Add(key);
        var node = _obj[key];
        if (node is null) return [];
        if (node is not JsonArray arr) throw new JobSpecException(Field(key), "must be a list");
        var wrapped = new JsonObject(arr.Select((n, i) => KeyValuePair.Create(i.ToString(System.Globalization.CultureInfo.InvariantCulture), n?.DeepClone())));
        var items = new SpecReader(wrapped, Field(key));
        return Enumerable.Range(0, arr.Count).Select(i => items.DoubleAt(i, min, exclusiveMin)).ToList();
    }

    double DoubleAt(int i, double min, bool exclusiveMin)
    {
        var key = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Double(key, null, min, exclusiveMin: exclusiveMin) ?? throw new JobSpecException($"{_path}[{i}]", "must be a number");
    }

    /// <summary>The raw node of a field that may take more than one shape (a string or a mapping).</summary>
    public JsonNode? Node(string key)
    {
        _read.Add(key);
        return _obj[key];
    }

    public SpecReader Child(string key)
    {
        _read.Add(key);
        return new SpecReader(_obj[key] ?? new JsonObject(), Field(key));
    }

    /// <summary>Rejects keys nobody read: a typo must not silently fall back to a default.</summary>
    public void RejectUnknown()
    {
        var unknown = _obj.Select(kv => kv.Key).Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0) throw new JobSpecException(Field(unknown[0]), "unknown field");
    }

    static bool TryNumber(JsonValue v, out double d)
    {
        if (v.TryGetValue(out d)) return true;
        if (v.TryGetValue<long>(out var l)) { d = l; return true; }
        if (v.TryGetValue<int>(out var i)) { d = i; return true; }
        if (v.TryGetValue<string>(out var s) && double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out d)) return true;
        d = 0;
        return false;
    }
}
