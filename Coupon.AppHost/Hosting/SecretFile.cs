namespace Coupon.AppHost.Hosting;

// A file only the owner can read: how the local servers get their passwords without a password
// ever showing on a process command line.
public static class SecretFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static async Task WriteAsync(string path, string content, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
            // An existing file keeps its mode when it is opened again.
            if (File.Exists(path))
                File.SetUnixFileMode(path, OwnerOnly);
        }
        await using var writer = new StreamWriter(new FileStream(path, options));
        await writer.WriteAsync(content.AsMemory(), cancellationToken);
    }
}
