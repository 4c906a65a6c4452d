using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace Coupon.Core.Issuing;

// A Lua script shipped as an embedded resource, run with EVALSHA. A server that does not know it
// (restarted, failed over, SCRIPT FLUSH) answers NOSCRIPT; then EVAL sends the text once, which
// also loads it on that server for the following calls.
public sealed class RedisScript
{
    public static readonly RedisScript Issue = FromResource("issue.lua");
    public static readonly RedisScript Resolve = FromResource("resolve.lua");
    public static readonly RedisScript Withdraw = FromResource("withdraw.lua");
    public static readonly RedisScript UpdateMeta = FromResource("update-meta.lua");
    public static readonly RedisScript Reconcile = FromResource("reconcile.lua");
    public static readonly RedisScript ForgetIfShort = FromResource("forget-if-short.lua");

    private readonly byte[] _sha1;

    private RedisScript(string name, string text)
    {
        Name = name;
        Text = text;
        _sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(text));
    }

    public string Name { get; }
    public string Text { get; }
    public string Sha1 => Convert.ToHexStringLower(_sha1);

    public async Task<RedisResult> EvaluateAsync(IDatabaseAsync database, RedisKey[] keys, RedisValue[] values)
    {
        try
        {
            return await database.ScriptEvaluateAsync(_sha1, keys, values).ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            return await database.ExecuteAsync("EVAL", [Text, keys.Length, .. keys.Select(k => (object)k), .. values.Select(v => (object)v)])
                .ConfigureAwait(false);
        }
    }

    private static RedisScript FromResource(string fileName)
    {
        var assembly = typeof(RedisScript).Assembly;
        var resource = assembly.GetManifestResourceNames().Single(n => n.EndsWith("." + fileName, StringComparison.Ordinal));
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return new RedisScript(fileName, reader.ReadToEnd());
    }
}
