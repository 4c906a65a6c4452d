Console.WriteLine("Coupon.AppHost");
