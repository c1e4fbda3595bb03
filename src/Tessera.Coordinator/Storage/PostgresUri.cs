using Npgsql;

namespace Tessera.Coordinator.Storage;

/// <summary>
/// postgres://user:password@host:port/database?sslmode=require, the URI form libpq and most hosting services hand
/// out. Npgsql reads only key-value strings, so the URI's parts are mapped onto its builder; query parameters take
/// libpq's names (sslmode, connect_timeout, application_name, ...) or Npgsql's keywords.
/// </summary>
static class PostgresUri
{
    // libpq parameter names whose Npgsql keyword is spelled differently.
    static readonly Dictionary<string, string> LibpqNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["user"] = "Username", ["dbname"] = "Database", ["sslmode"] = "SSL Mode", ["connect_timeout"] = "Timeout",
        ["application_name"] = "Application Name", ["target_session_attrs"] = "Target Session Attributes",
        ["sslrootcert"] = "Root Certificate", ["sslcert"] = "SSL Certificate", ["sslkey"] = "SSL Key",
    };

    public static NpgsqlConnectionStringBuilder ToBuilder(string uri)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var u))
            throw new DatabaseException("not a valid postgres:// URI (several hosts need the key-value form, Host=a,b;...)");
        var b = new NpgsqlConnectionStringBuilder();
        if (u.UserInfo.Length > 0)
        {
            int colon = u.UserInfo.IndexOf(':');
            b.Username = Uri.UnescapeDataString(colon < 0 ? u.UserInfo : u.UserInfo[..colon]);
            if (colon >= 0) b.Password = Uri.UnescapeDataString(u.UserInfo[(colon + 1)..]);
        }
        if (u.DnsSafeHost.Length > 0) b.Host = u.DnsSafeHost;
        if (!u.IsDefaultPort && u.Port > 0) b.Port = u.Port;
        var database = Uri.UnescapeDataString(u.AbsolutePath.TrimStart('/'));
        if (database.Length > 0) b.Database = database;
        foreach (var pair in u.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=');
            var name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
            var keyword = LibpqNames.GetValueOrDefault(name, name);
            // libpq spells SSL modes with a hyphen (verify-full); Npgsql's enum has none.
            if (keyword == "SSL Mode") value = value.Replace("-", "");
            try { b[keyword] = value; }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
            {
                throw new DatabaseException($"URI parameter '{name}': {e.Message}");
            }
        }
        return b;
    }
}
