using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Coupon.Core.Data;

// Used by `dotnet ef` only: migrations are generated without a server, from the fixed server version.
internal sealed class CouponDbContextFactory : IDesignTimeDbContextFactory<CouponDbContext>
{
    public CouponDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<CouponDbContext>()
            .UseMySql("Server=127.0.0.1;Database=coupondb", CouponDbContext.DefaultServerVersion)
            .Options);
}
