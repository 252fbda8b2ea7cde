"""A party's inbox: notifications and the record of downloads."""
