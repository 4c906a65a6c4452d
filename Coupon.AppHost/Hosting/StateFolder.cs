using System.Text.Json;
using System.Text.Json.Nodes;
using Coupon.AppHost.Servers;
using Microsoft.Extensions.Configuration;

namespace Coupon.AppHost.Hosting;

public sealed class StateFolderInUseException(string message) : Exception(message);

// `.coupon/` at the repository root (ignored by git), or `AppHost:StatePath`: the servers' data
// folders, the pid ledger and the generated secrets, so campaigns and passwords survive a restart.
public sealed class StateFolder
{
    public const string PathKey = "AppHost:StatePath";

    private readonly Lock _secretsLock = new();

    public StateFolder(IConfiguration configuration)
    {
        FullPath = Path.GetFullPath(configuration[PathKey] is { Length: > 0 } configured ? configured : DefaultPath());
    }

    public string FullPath { get; }

    public ProcessLedger Ledger => new(Path.Combine(FullPath, "pids"));

    private string SecretsFile => Path.Combine(FullPath, "secrets.json");

    public string DataFolder(string resource) => Path.Combine(FullPath, resource);

    private string LockFile => Path.Combine(FullPath, "apphost.lock");

    // Held while an AppHost runs on this folder (the kernel releases it when the process dies,
    // however it dies), so a second AppHost cannot take the first one's children for leftovers.
    public IDisposable Lock()
    {
        Directory.CreateDirectory(FullPath);
        try
        {
            return new FileStream(LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new StateFolderInUseException($"Another AppHost is running on {FullPath}; stop it first, or give this one its own --{PathKey}=<folder>.");
        }
    }

    // Everything but the lock.
    public void Wipe()
    {
        foreach (var entry in new DirectoryInfo(FullPath).EnumerateFileSystemInfos().Where(entry => entry.FullName != LockFile))
        {
            if (entry is DirectoryInfo folder)
            {
                folder.Delete(recursive: true);
            }
            else
            {
                entry.Delete();
            }
        }
    }

    // The stored secret, generated and stored on first use (readable by the owner only).
    public string Secret(string name, Func<string> generate)
    {
        lock (_secretsLock)
        {
            var secrets = File.Exists(SecretsFile) ? JsonNode.Parse(File.ReadAllText(SecretsFile))!.AsObject() : [];
            if (secrets[name]?.GetValue<string>() is { } stored)
            {
                return stored;
            }
            var value = generate();
            secrets[name] = value;
            Directory.CreateDirectory(FullPath);
            File.WriteAllText(SecretsFile, secrets.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(SecretsFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            return value;
        }
    }

    // The folder holding Coupon.sln above the AppHost's build output.
    private static string DefaultPath()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Coupon.sln")))
            {
                return Path.Combine(folder.FullName, ".coupon");
            }
        }
        return Path.Combine(Environment.CurrentDirectory, ".coupon");
    }
}
